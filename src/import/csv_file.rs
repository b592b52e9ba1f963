//! Reading an uploaded CSV file: UTF-8 with or without a byte-order mark, or Windows-1252 as
//! Excel writes it; comma, semicolon or tab, detected from the header; quoted fields with
//! line breaks. What is not a readable table (binary data, an unterminated quote, blank or
//! repeated headers, absurdly many columns) is refused with a message that says what and
//! where. Rows stream from the reader: memory does not grow with the file.

/// More columns than any CRM export has: a file beyond this is not a table of records.
pub const MAX_COLUMNS: usize = 1_000;

/// How much of a file is read, decoded or kept at a time: memory holds a piece of the file,
/// never the whole of it.
pub const PIECE_BYTES: usize = 1024 * 1024;

/// How much of a file's beginning is looked at to tell text from binary data.
const TEXT_CHECK_BYTES: usize = 8_192;

/// Refuses what is plainly not a CSV file, from its first bytes: a zip (an .xlsx workbook)
/// or binary data.
fn refuse_non_text(first_bytes: &[u8]) -> Result<(), String> {
    if first_bytes.starts_with(b"PK\x03\x04") {
        return Err(
            "This is a zip file (an .xlsx workbook?). Save the sheet as CSV and upload that."
                .into(),
        );
    }
    if first_bytes
        .iter()
        .take(TEXT_CHECK_BYTES)
        .any(|byte| *byte == 0)
    {
        return Err("This file is not text: upload a CSV file.".into());
    }
    Ok(())
}

/// How a file's bytes are text: UTF-8 (a byte-order mark dropped) when the whole file is
/// valid UTF-8, else Windows-1252 as Excel writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Windows1252,
}

impl TextEncoding {
    pub fn code(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }

    pub fn from_code(code: &str) -> Option<TextEncoding> {
        match code {
            "utf-8" => Some(TextEncoding::Utf8),
            "windows-1252" => Some(TextEncoding::Windows1252),
            _ => None,
        }
    }

    /// A decoder for the file's pieces in order (a character split between two pieces is
    /// decoded whole).
    pub fn decoder(self) -> TextDecoder {
        let encoding = match self {
            TextEncoding::Utf8 => encoding_rs::UTF_8,
            TextEncoding::Windows1252 => encoding_rs::WINDOWS_1252,
        };
        TextDecoder(encoding.new_decoder_with_bom_removal())
    }
}

/// Tells a file's encoding from its pieces, in order, without keeping them.
pub struct EncodingSniffer {
    utf8: encoding_rs::Decoder,
    scratch: String,
    valid: bool,
}

impl Default for EncodingSniffer {
    fn default() -> Self {
        EncodingSniffer {
            utf8: encoding_rs::UTF_8.new_decoder_with_bom_removal(),
            scratch: String::new(),
            valid: true,
        }
    }
}

impl EncodingSniffer {
    pub fn push(&mut self, piece: &[u8], last: bool) {
        let mut piece = piece;
        while self.valid {
            self.scratch.clear();
            self.scratch.reserve(PIECE_BYTES.min(piece.len() + 4));
            let (result, read) =
                self.utf8
                    .decode_to_string_without_replacement(piece, &mut self.scratch, last);
            match result {
                encoding_rs::DecoderResult::InputEmpty => return,
                encoding_rs::DecoderResult::OutputFull => piece = &piece[read..],
                encoding_rs::DecoderResult::Malformed(..) => self.valid = false,
            }
        }
    }

    pub fn encoding(&self) -> TextEncoding {
        if self.valid {
            TextEncoding::Utf8
        } else {
            TextEncoding::Windows1252
        }
    }
}

/// Decodes a file's pieces, in order, into text.
pub struct TextDecoder(encoding_rs::Decoder);

impl TextDecoder {
    pub fn decode(&mut self, piece: &[u8], last: bool) -> String {
        let capacity = self
            .0
            .max_utf8_buffer_length(piece.len())
            .unwrap_or(piece.len() * 3 + 16);
        let mut text = String::with_capacity(capacity);
        let (_, _, _) = self.0.decode_to_string(piece, &mut text, last);
        text
    }
}

/// A whole file's text, for the tests (the import reads files in pieces).
#[cfg(test)]
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    refuse_non_text(bytes)?;
    let mut sniffer = EncodingSniffer::default();
    sniffer.push(bytes, true);
    Ok(sniffer.encoding().decoder().decode(bytes, true))
}

/// The delimiter of the header line: whichever of comma, semicolon and tab it holds most
/// of outside quotes (comma when it holds none).
#[cfg(test)]
pub fn detect_delimiter(text: &str) -> u8 {
    header_delimiter(text, true).unwrap_or(b',')
}

/// The header line's delimiter once `text` holds the whole line (`whole`: no more text
/// follows); `None` while its end is still to come.
fn header_delimiter(text: &str, whole: bool) -> Option<u8> {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    let mut ended = whole;
    for byte in text.bytes() {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => {
                ended = true;
                break;
            }
            _ if !quoted => {
                if let Some(entry) = counts.iter_mut().find(|(d, _)| *d == byte) {
                    entry.1 += 1;
                }
            }
            _ => {}
        }
    }
    ended.then(|| {
        counts
            .iter()
            .max_by_key(|(delimiter, count)| (*count, *delimiter == b','))
            .map_or(b',', |(delimiter, _)| *delimiter)
    })
}

/// Finds a quote that never closes, over a file's text in pieces: the rest of the file
/// would be one value.
#[derive(Debug)]
struct QuoteCheck {
    line: u64,
    opened_on: Option<u64>,
}

impl Default for QuoteCheck {
    fn default() -> Self {
        QuoteCheck {
            line: 1,
            opened_on: None,
        }
    }
}

impl QuoteCheck {
    fn push(&mut self, text: &str) {
        for byte in text.bytes() {
            match byte {
                b'"' => {
                    self.opened_on = match self.opened_on {
                        Some(_) => None,
                        None => Some(self.line),
                    }
                }
                b'\n' => self.line += 1,
                _ => {}
            }
        }
    }

    fn finish(&self) -> Result<(), String> {
        match self.opened_on {
            Some(line) => Err(format!(
                "A quote opened on line {line} is never closed, so the rest of the file would be one value."
            )),
            None => Ok(()),
        }
    }
}

/// One row's values (as many as the header has columns), or why it cannot be read.
pub type RowResult = Result<Vec<String>, String>;

/// What the row reader has next.
#[derive(Debug, PartialEq)]
pub enum Next {
    /// A record and the line it starts on (line breaks inside quoted values counted).
    Record(u64, Vec<String>),
    /// The text pushed so far is used up: push the next piece.
    NeedText,
    End,
}

/// Splits text pushed in pieces into records (RFC 4180 as spreadsheets write it: quoted
/// values with delimiters, quotes and line breaks; blank lines skipped), holding only the
/// current piece and record.
pub struct RowReader {
    /// Built once the header line is whole and its delimiter known.
    core: Option<csv_core::Reader>,
    text: Vec<u8>,
    at: usize,
    last: bool,
    output: Vec<u8>,
    ends: Vec<usize>,
    output_len: usize,
    ends_len: usize,
    line: u64,
    record_line: u64,
    in_record: bool,
    delimiter: u8,
}

impl Default for RowReader {
    fn default() -> RowReader {
        RowReader {
            core: None,
            text: Vec::new(),
            at: 0,
            last: false,
            output: vec![0; 1024],
            ends: vec![0; 32],
            output_len: 0,
            ends_len: 0,
            line: 1,
            record_line: 1,
            in_record: false,
            delimiter: b',',
        }
    }
}

impl RowReader {
    /// The next piece of text, once `next_record` asks for it; `last` when no more follows.
    pub fn push(&mut self, text: String, last: bool) {
        if self.at == self.text.len() {
            self.text = text.into_bytes();
        } else {
            // Still waiting for the end of the header line.
            self.text.drain(..self.at);
            self.text.extend_from_slice(text.as_bytes());
        }
        self.at = 0;
        self.last = last;
    }

    /// The header line's delimiter, once it is known.
    pub fn delimiter(&self) -> Option<u8> {
        self.core.as_ref().map(|_| self.delimiter)
    }

    pub fn next_record(&mut self) -> Next {
        loop {
            if self.core.is_none() {
                let text = String::from_utf8_lossy(&self.text[self.at..]);
                match header_delimiter(&text, self.last) {
                    Some(delimiter) => {
                        self.delimiter = delimiter;
                        self.core =
                            Some(csv_core::ReaderBuilder::new().delimiter(delimiter).build());
                    }
                    None => return Next::NeedText,
                }
            }
            if !self.in_record {
                // Line breaks between records (blank lines, a CRLF's LF) belong to no
                // record: skipping them here keeps each record's line where it starts.
                while let Some(byte @ (b'\r' | b'\n')) = self.text.get(self.at) {
                    self.line += u64::from(*byte == b'\n');
                    self.at += 1;
                }
                if self.at == self.text.len() && !self.last {
                    return Next::NeedText;
                }
                self.in_record = true;
                self.record_line = self.line;
                self.output_len = 0;
                self.ends_len = 0;
            }
            if self.at == self.text.len() && !self.last {
                return Next::NeedText;
            }
            let input = &self.text[self.at..];
            let core = self.core.as_mut().expect("built above");
            let (result, read, written, ended) = core.read_record(
                input,
                &mut self.output[self.output_len..],
                &mut self.ends[self.ends_len..],
            );
            self.line += input[..read].iter().filter(|b| **b == b'\n').count() as u64;
            self.at += read;
            self.output_len += written;
            self.ends_len += ended;
            match result {
                csv_core::ReadRecordResult::InputEmpty => {}
                csv_core::ReadRecordResult::OutputFull => {
                    let grown = self.output.len() * 2;
                    self.output.resize(grown, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let grown = self.ends.len() * 2;
                    self.ends.resize(grown, 0);
                }
                csv_core::ReadRecordResult::Record => {
                    self.in_record = false;
                    let mut start = 0;
                    let values = self.ends[..self.ends_len]
                        .iter()
                        .map(|&end| {
                            // Records split on ASCII bytes of valid UTF-8 text.
                            let value = String::from_utf8_lossy(&self.output[start..end]);
                            start = end;
                            value.into_owned()
                        })
                        .collect();
                    return Next::Record(self.record_line, values);
                }
                csv_core::ReadRecordResult::End => return Next::End,
            }
        }
    }
}

/// A header line, checked: trimmed names, at most `MAX_COLUMNS`, none blank or repeated.
pub fn check_headers(record: Vec<String>) -> Result<Vec<String>, String> {
    let headers: Vec<String> = record
        .into_iter()
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
    Ok(headers)
}

/// A record as a row of `columns` values: a row of more values than the header has columns
/// is refused, fewer are blank.
pub fn as_row(mut values: Vec<String>, columns: usize) -> RowResult {
    if values.len() > columns {
        return Err(format!(
            "This row has {} values for {columns} columns.",
            values.len()
        ));
    }
    values.resize(columns, String::new());
    Ok(values)
}

/// What reading a whole file in pieces found: its shape, or why it is not a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileShape {
    pub encoding: TextEncoding,
    pub delimiter: u8,
    pub headers: Vec<String>,
    pub rows: u64,
}

/// Reads a file from `read` (called again until it gives an empty piece) twice, a piece at
/// a time: once for its encoding, once for its shape. `rewind` starts it over.
pub fn inspect(
    mut read: impl FnMut(&mut Vec<u8>) -> std::io::Result<()>,
    mut rewind: impl FnMut() -> std::io::Result<()>,
) -> Result<FileShape, String> {
    let unreadable = |error: std::io::Error| format!("The file could not be read: {error}.");
    let mut piece = Vec::with_capacity(PIECE_BYTES);
    let mut head = Vec::with_capacity(TEXT_CHECK_BYTES);
    let mut sniffer = EncodingSniffer::default();
    loop {
        read(&mut piece).map_err(unreadable)?;
        let wanted = TEXT_CHECK_BYTES.saturating_sub(head.len()).min(piece.len());
        head.extend_from_slice(&piece[..wanted]);
        if piece.is_empty() {
            break;
        }
        sniffer.push(&piece, false);
    }
    refuse_non_text(&head)?;
    sniffer.push(&[], true);
    let encoding = sniffer.encoding();
    rewind().map_err(unreadable)?;
    let mut decoder = encoding.decoder();
    let mut quotes = QuoteCheck::default();
    let mut reader = RowReader::default();
    // Told at the end: a file of blank lines is empty rather than missing its headers.
    let mut headers: Option<Result<Vec<String>, String>> = None;
    let mut rows = 0;
    let mut blank = true;
    loop {
        read(&mut piece).map_err(unreadable)?;
        let last = piece.is_empty();
        let text = decoder.decode(&piece, last);
        quotes.push(&text);
        blank &= text.trim().is_empty();
        reader.push(text, last);
        loop {
            match reader.next_record() {
                Next::NeedText => break,
                Next::End => {
                    if blank {
                        return Err("The file is empty.".into());
                    }
                    quotes.finish()?;
                    return Ok(FileShape {
                        encoding,
                        delimiter: reader.delimiter().unwrap_or(b','),
                        headers: headers.unwrap_or(Ok(Vec::new()))?,
                        rows,
                    });
                }
                Next::Record(_, record) => match headers {
                    None => headers = Some(check_headers(record)),
                    Some(_) => rows += 1,
                },
            }
        }
    }
}

/// A file held whole, for the tests: checked as an upload is (`inspect`), then its rows.
#[cfg(test)]
pub struct Table {
    pub headers: Vec<String>,
    pub delimiter: u8,
    reader: RowReader,
}

#[cfg(test)]
impl Table {
    /// Checks the file's shape and reads its header line.
    pub fn open(text: &str) -> Result<Table, String> {
        let given = std::cell::Cell::new(false);
        let shape = inspect(
            |piece| {
                piece.clear();
                if !given.replace(true) {
                    piece.extend_from_slice(text.as_bytes());
                }
                Ok(())
            },
            || {
                given.set(false);
                Ok(())
            },
        )?;
        let mut reader = RowReader::default();
        reader.push(text.to_string(), true);
        // The header line, already checked.
        reader.next_record();
        Ok(Table {
            headers: shape.headers,
            delimiter: shape.delimiter,
            reader,
        })
    }

    /// The rows in order, each with its line number in the file, or what is wrong with it.
    pub fn rows(&mut self) -> impl Iterator<Item = (u64, RowResult)> + '_ {
        let columns = self.headers.len();
        std::iter::from_fn(move || match self.reader.next_record() {
            Next::Record(line, values) => Some((line, as_row(values, columns))),
            Next::NeedText | Next::End => None,
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

    /// Reads `bytes` as the stored-file reader does: decoded and split in pieces cut at
    /// `cuts` (byte offsets), the header first.
    fn read_in_pieces(bytes: &[u8], cuts: &[usize]) -> Vec<(u64, Vec<String>)> {
        let mut sniffer = EncodingSniffer::default();
        sniffer.push(bytes, true);
        let mut decoder = sniffer.encoding().decoder();
        let mut bounds = vec![0];
        bounds.extend(cuts.iter().copied().filter(|c| *c > 0 && *c < bytes.len()));
        bounds.push(bytes.len());
        bounds.dedup();
        let mut pieces = bounds.windows(2).map(|w| &bytes[w[0]..w[1]]);
        let mut reader = RowReader::default();
        let mut records: Vec<(u64, Vec<String>)> = Vec::new();
        loop {
            let piece = pieces.next().unwrap_or_default();
            let last = piece.is_empty();
            reader.push(decoder.decode(piece, last), last);
            loop {
                match reader.next_record() {
                    Next::Record(line, values) => {
                        let values = match records.first() {
                            Some((_, headers)) => as_row(values, headers.len()).unwrap(),
                            None => values,
                        };
                        records.push((line, values));
                    }
                    Next::NeedText => break,
                    Next::End => return records,
                }
            }
        }
    }

    /// However a file is cut into pieces (inside a quoted line break, between the CR and
    /// LF of a line end, inside a multi-byte character, of either encoding), its records
    /// and their lines are those of the whole text.
    #[test]
    fn rows_read_the_same_whatever_the_pieces() {
        let utf8 = "\u{feff}Name;Notes;City\r\n\"Bl\u{fc}e; Co\";\"line one\r\nline two\";M\u{fc}nchen\r\n\r\nSolo\r\n\u{6771}\u{4eac};\"a\"\"b\";x";
        let windows_1252 = b"Name,City\nM\xFCller,\"K\xF6ln\nNord\"\n\x80 Co,Paris\n";
        for bytes in [utf8.as_bytes(), &windows_1252[..]] {
            let text = decode(bytes).unwrap();
            let mut table = Table::open(&text).unwrap();
            let mut whole = vec![(1, table.headers.clone())];
            whole.extend(table.rows().map(|(line, row)| (line, row.unwrap())));
            for cut in 0..=bytes.len() {
                assert_eq!(read_in_pieces(bytes, &[cut]), whole, "cut at {cut}");
                for second in (cut..=bytes.len()).step_by(3) {
                    assert_eq!(
                        read_in_pieces(bytes, &[cut, second]),
                        whole,
                        "cuts at {cut} and {second}"
                    );
                }
            }
        }
    }

    /// The upload's look over a file in pieces finds its encoding, delimiter, headers and
    /// row count, and refuses what the whole-text reader refuses.
    #[test]
    fn a_file_in_pieces_shows_its_shape() {
        let shape_in_pieces = |bytes: &[u8], size: usize| {
            let at = std::cell::Cell::new(0);
            inspect(
                |piece| {
                    piece.clear();
                    let start = at.get().min(bytes.len());
                    let end = (start + size).min(bytes.len());
                    piece.extend_from_slice(&bytes[start..end]);
                    at.set(end);
                    Ok(())
                },
                || {
                    at.set(0);
                    Ok(())
                },
            )
        };
        for size in [1, 2, 7, 4096] {
            let shape = shape_in_pieces(
                b"Name;City\r\nM\xFCller;\"K\xF6ln\r\nNord\"\r\nA;B\r\n",
                size,
            )
            .unwrap();
            assert_eq!(shape.encoding, TextEncoding::Windows1252);
            assert_eq!(shape.delimiter, b';');
            assert_eq!(shape.headers, ["Name", "City"]);
            assert_eq!(shape.rows, 2);
            let shape = shape_in_pieces("\u{feff}Name\n\u{fc}\n".as_bytes(), size).unwrap();
            assert_eq!((shape.encoding, shape.rows), (TextEncoding::Utf8, 1));
            assert!(shape_in_pieces(b"", size).unwrap_err().contains("empty"));
            assert!(
                shape_in_pieces(b"\n \n", size)
                    .unwrap_err()
                    .contains("empty")
            );
            assert!(
                shape_in_pieces(b"PK\x03\x04..", size)
                    .unwrap_err()
                    .contains("zip")
            );
            assert!(
                shape_in_pieces(b"A,B\n\"x,1\n", size)
                    .unwrap_err()
                    .contains("line 2")
            );
            assert!(
                shape_in_pieces(b"A,,B\n1,2,3\n", size)
                    .unwrap_err()
                    .contains("Column 2")
            );
            assert_eq!(shape_in_pieces(b"A,B\n", size).unwrap().rows, 0);
        }
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
