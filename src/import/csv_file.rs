//! Reading an uploaded CSV file: UTF-8 with or without a byte-order mark, or Windows-1252 as
//! Excel writes it; comma, semicolon or tab, detected from the header; quoted fields with
//! line breaks. What is not a readable table (binary data, an unterminated quote, blank or
//! repeated headers, absurdly many columns) is refused with a message that says what and
//! where. Rows stream from the reader: memory does not grow with the file.

/// More columns than any CRM export has: a file beyond this is not a table of records.
pub const MAX_COLUMNS: usize = 1_000;

/// The file's text: UTF-8 (its byte-order mark dropped), else Windows-1252.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(
            "This is a zip file (an .xlsx workbook?). Save the sheet as CSV and upload that."
                .into(),
        );
    }
    if bytes.iter().take(8_192).any(|byte| *byte == 0) {
        return Err("This file is not text: upload a CSV file.".into());
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(_) => Ok(encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned()),
    }
}

/// The delimiter of the header line: whichever of comma, semicolon and tab it holds most
/// of outside quotes (comma when it holds none).
pub fn detect_delimiter(text: &str) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for byte in text.bytes() {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(entry) = counts.iter_mut().find(|(d, _)| *d == byte) {
                    entry.1 += 1;
                }
            }
            _ => {}
        }
    }
    counts
        .iter()
        .max_by_key(|(delimiter, count)| (*count, *delimiter == b','))
        .map_or(b',', |(delimiter, _)| *delimiter)
}

/// The line a quote opened on that never closes, if one does.
fn unterminated_quote(text: &str) -> Option<usize> {
    let mut line = 1;
    let mut opened_on = None;
    for byte in text.bytes() {
        match byte {
            b'"' => {
                opened_on = if opened_on.is_some() {
                    None
                } else {
                    Some(line)
                }
            }
            b'\n' => line += 1,
            _ => {}
        }
    }
    opened_on
}

/// One row's values (as many as the header has columns), or why it cannot be read.
pub type RowResult = Result<Vec<String>, String>;

/// A readable file: its headers (trimmed) and a reader positioned at the first row.
pub struct Table<'a> {
    pub headers: Vec<String>,
    pub delimiter: u8,
    text: &'a str,
    reader: csv::Reader<&'a [u8]>,
}

impl<'a> Table<'a> {
    /// Checks the file's shape and reads its header line.
    pub fn open(text: &'a str) -> Result<Table<'a>, String> {
        if text.trim().is_empty() {
            return Err("The file is empty.".into());
        }
        if let Some(line) = unterminated_quote(text) {
            return Err(format!(
                "A quote opened on line {line} is never closed, so the rest of the file would be one value."
            ));
        }
        let delimiter = detect_delimiter(text);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            // A small file needs no 8 KiB buffer; a big one streams through 64 KiB.
            .buffer_capacity(text.len().clamp(64, 64 * 1024))
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|error| format!("The header line cannot be read: {error}."))?
            .iter()
            .map(|header| header.trim().to_string())
            .collect();
        if headers.len() > MAX_COLUMNS {
            return Err(format!(
                "The header has {} columns; an import takes at most {MAX_COLUMNS}.",
                headers.len()
            ));
        }
        if let Some(column) = headers.iter().position(String::is_empty) {
            return Err(format!(
                "Column {} has no header: name every column.",
                column + 1
            ));
        }
        for (column, header) in headers.iter().enumerate() {
            if let Some(earlier) = headers[..column]
                .iter()
                .position(|other| other.eq_ignore_ascii_case(header))
            {
                return Err(format!(
                    "Columns {} and {} are both called \"{header}\": give each column its own header.",
                    earlier + 1,
                    column + 1
                ));
            }
        }
        Ok(Table {
            headers,
            delimiter,
            text,
            reader,
        })
    }

    /// The rows in order, each with its line number in the file, or what is wrong with it
    /// (a row of more columns than the header is refused, fewer are blank).
    pub fn rows(&mut self) -> impl Iterator<Item = (u64, RowResult)> + '_ {
        let columns = self.headers.len();
        let text = self.text;
        // The line a byte offset is on, counted forward from the previous row (rows come in
        // order), so every line break counts, those inside quoted values too.
        let mut counted = (0usize, 1u64);
        let mut line_at = move |byte: u64| {
            // A row's position may point at the line break that ended the row before.
            let mut byte = (byte as usize).min(text.len());
            while matches!(text.as_bytes().get(byte), Some(b'\r' | b'\n')) {
                byte += 1;
            }
            if byte >= counted.0 {
                counted.1 += text.as_bytes()[counted.0..byte]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count() as u64;
                counted.0 = byte;
            }
            counted.1
        };
        self.reader.records().map(move |record| match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| line_at(p.byte()));
                if record.len() > columns {
                    return (
                        line,
                        Err(format!(
                            "This row has {} values for {columns} columns.",
                            record.len()
                        )),
                    );
                }
                let mut values: Vec<String> = record.iter().map(str::to_string).collect();
                values.resize(columns, String::new());
                (line, Ok(values))
            }
            Err(error) => {
                let line = error.position().map_or(0, |p| line_at(p.byte()));
                (line, Err(format!("This row cannot be read: {error}.")))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Vec<String>, Vec<(u64, RowResult)>) {
        let mut table = Table::open(text).unwrap();
        let rows = table.rows().collect();
        (table.headers.clone(), rows)
    }

    #[test]
    fn encodings_as_excel_and_crms_write_them() {
        assert_eq!(
            decode(b"\xEF\xBB\xBFName\nM\xC3\xBCller").unwrap(),
            "Name\nMüller"
        );
        // Windows-1252: ü is 0xFC, € is 0x80.
        assert_eq!(decode(b"Name\nM\xFCller \x80").unwrap(), "Name\nMüller €");
        assert!(decode(b"PK\x03\x04rest").unwrap_err().contains("zip"));
        assert!(
            decode(b"\x00\x01\x02binary")
                .unwrap_err()
                .contains("not text")
        );
    }

    #[test]
    fn the_delimiter_comes_from_the_header() {
        assert_eq!(detect_delimiter("a,b,c\n1;2;3"), b',');
        assert_eq!(detect_delimiter("Name;City;\"a,b\"\n"), b';');
        assert_eq!(detect_delimiter("Name\tCity\n"), b'\t');
        assert_eq!(detect_delimiter("Name\n"), b',');
    }

    #[test]
    fn quoted_fields_with_line_breaks_and_short_rows() {
        let (headers, rows) =
            read("Name;Notes;City\n\"Blue; Co\";\"line one\nline two\";Oslo\nSolo\n");
        assert_eq!(headers, ["Name", "Notes", "City"]);
        assert_eq!(
            rows[0].1.as_ref().unwrap(),
            &["Blue; Co", "line one\nline two", "Oslo"]
        );
        assert_eq!(rows[1].0, 4);
        assert_eq!(rows[1].1.as_ref().unwrap(), &["Solo", "", ""]);
    }

    #[test]
    fn line_numbers_count_every_line_break() {
        let (_, rows) = read("A,B\r\n1,\"x\r\ny\"\r\n\r\n2,3\r\n");
        assert_eq!(
            rows.iter().map(|(line, _)| *line).collect::<Vec<_>>(),
            [2, 5]
        );
    }

    #[test]
    fn a_row_too_wide_is_refused_alone() {
        let (_, rows) = read("A,B\n1,2\n1,2,3\n4,5\n");
        assert!(rows[0].1.is_ok());
        assert!(
            rows[1]
                .1
                .as_ref()
                .unwrap_err()
                .contains("3 values for 2 columns")
        );
        assert!(rows[2].1.is_ok());
    }

    #[test]
    fn files_that_are_not_tables_say_why() {
        let error = |text: &str| Table::open(text).err().unwrap();
        assert!(error("").contains("empty"));
        assert!(error(" \n\n").contains("empty"));
        assert!(error("Name,Notes\nA,\"never closed\n").contains("line 2"));
        assert!(error("Name,,City\n").contains("Column 2 has no header"));
        assert!(error("Name,City,name\n").contains("Columns 1 and 3"));
        let wide = (0..10_000)
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert!(error(&wide).contains("10000 columns"));
        // Header only: readable, no rows.
        assert!(read("Name,City\n").1.is_empty());
    }

    /// A small deterministic generator (xorshift), so failures reproduce.
    fn generator(seed: u64) -> impl FnMut() -> u64 {
        let mut state = seed;
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    /// A million generated rows (values with delimiters, quotes, line breaks and non-ASCII
    /// text) written as a spreadsheet writes them read back exactly, whatever the delimiter.
    #[test]
    fn a_million_generated_rows_read_back_exactly() {
        let mut next = generator(0x2545_F491_4F6C_DD1D);
        let pieces = [
            "a", "Müller", ",", ";", "\t", "\"", "\n", "\r\n", " ", "1.234,50", "=SUM(A1)", "東京",
        ];
        for (delimiter, rows) in [(b',', 400_000), (b';', 300_000), (b'\t', 300_000)] {
            let columns = 4;
            let mut writer = csv::WriterBuilder::new()
                .delimiter(delimiter)
                .from_writer(Vec::new());
            writer
                .write_record(["Name", "City", "Notes", "Amount"])
                .unwrap();
            let mut expected = Vec::with_capacity(rows);
            for _ in 0..rows {
                let row: Vec<String> = (0..columns)
                    .map(|_| {
                        (0..next() % 4)
                            .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                            .collect()
                    })
                    .collect();
                // A row of blank values is a blank line, which readers skip.
                if row.iter().all(String::is_empty) {
                    continue;
                }
                writer.write_record(&row).unwrap();
                expected.push(row);
            }
            let bytes = writer.into_inner().unwrap();
            let text = decode(&bytes).unwrap();
            let mut table = Table::open(&text).unwrap();
            assert_eq!(table.delimiter, delimiter);
            let mut read = 0;
            for ((_, row), expected) in table.rows().zip(&expected) {
                assert_eq!(&row.unwrap(), expected);
                read += 1;
            }
            assert_eq!(read, expected.len());
        }
    }

    /// Twenty thousand generated hostile files through decode, open and rows: none panics,
    /// and every row read has as many values as the header.
    #[test]
    fn generated_hostile_files_never_panic() {
        let alphabet = b"ab,;\t\"\n\r \xFC\xEF\xBB\xBF1\x00";
        let mut next = generator(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let length = (next() % 40) as usize;
            let bytes: Vec<u8> = (0..length)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let Ok(text) = decode(&bytes) else { continue };
            if let Ok(mut table) = Table::open(&text) {
                let columns = table.headers.len();
                for (_, row) in table.rows() {
                    if let Ok(values) = row {
                        assert_eq!(values.len(), columns);
                    }
                }
            }
        }
    }
}
