//! `leadflow import --dry-run` on files as Excel writes them: nothing written, every row
//! counted, each bad cell named by line and column.

use std::process::Command;

fn dry_run(bytes: &[u8]) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("leads.csv");
    std::fs::write(&file, bytes).unwrap();
    let database = dir.path().join("untouched.db");
    let output = Command::new(env!("CARGO_BIN_EXE_leadflow"))
        .args(["import", "--entity", "leads", "--dry-run"])
        .arg(&file)
        .env("DATABASE_URL", format!("sqlite://{}", database.display()))
        .output()
        .unwrap();
    assert!(!database.exists(), "a dry run creates no database");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn an_excel_file_is_checked_row_by_row() {
    // Windows-1252 (ü is 0xFC), semicolons, a quoted line break, one bad email.
    let file = b"Last Name;First Name;Email;Shoe size\r\nM\xFCller;Anna;anna@example.com;\"two\r\nlines\"\r\nLee;Bo;not-an-email;\r\n";
    let (ok, stdout, stderr) = dry_run(file);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("2 rows, 1 valid, 1 rejected"), "{stdout}");
    assert!(stdout.contains("line 4, Email:"), "{stdout}");
    assert!(stdout.contains("columns left out: Shoe size"), "{stdout}");
}

#[test]
fn a_file_that_is_not_a_table_is_refused_with_a_reason() {
    for (bytes, reason) in [
        (&b""[..], "empty"),
        (&b"PK\x03\x04binary"[..], "zip"),
        (&b"Last Name,Email\nLee,\"open\n"[..], "never closed"),
    ] {
        let (ok, _, stderr) = dry_run(bytes);
        assert!(!ok);
        assert!(stderr.contains(reason), "{stderr}");
    }
}
