//! CSV export of any lead list: UTF-8 with a byte-order mark (so spreadsheet programs read
//! Vietnamese names), RFC 4180 quoting, and no cell that a spreadsheet would run as a formula.

use super::kind::Table;

/// The byte-order mark that tells spreadsheet programs the file is UTF-8.
pub const BOM: &str = "\u{feff}";

fn formula_start(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// Puts `'` before a formula character at the start of the cell and after every `,` or `;`:
/// a spreadsheet that splits on either separator would otherwise start a cell with it.
fn neutralise(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    let mut at_start = true;
    for c in value.chars() {
        if at_start && formula_start(c) {
            out.push('\'');
        }
        at_start = matches!(c, ',' | ';');
        out.push(c);
    }
    out
}

/// One CSV field: formula-looking values neutralised, then quoting where needed.
pub fn field(value: &str) -> String {
    let guarded = neutralise(value);
    if guarded.contains([',', ';', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// One CSV record with CRLF.
pub fn row<I: IntoIterator<Item = S>, S: AsRef<str>>(cells: I) -> String {
    let mut out = cells
        .into_iter()
        .map(|c| field(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    out
}

/// A whole file: the mark, the header and the rows.
pub fn file(table: &Table) -> String {
    let mut out = String::from(BOM);
    out.push_str(&row(&table.header));
    for r in &table.rows {
        out.push_str(&row(r));
    }
    out
}

/// A CSV download.
pub struct CsvFile {
    /// File name offered to the browser.
    pub name: String,
    /// The whole file.
    pub body: String,
}

impl<'r> rocket::response::Responder<'r, 'static> for CsvFile {
    fn respond_to(self, _: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        rocket::Response::build()
            .header(rocket::http::ContentType::new("text", "csv").with_params(("charset", "utf-8")))
            .header(rocket::http::Header::new(
                "Content-Disposition",
                format!("attachment; filename=\"{}\"", self.name),
            ))
            .sized_body(self.body.len(), std::io::Cursor::new(self.body))
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_quotes_escaped() {
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("+1"), "'+1");
        assert_eq!(field("-2"), "'-2");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(row(["a", "b"]), "a,b\r\n");
    }

    #[test]
    fn cells_that_start_after_a_separator_or_with_a_tab_are_neutralised_too() {
        assert_eq!(field("a;=1+2"), "\"a;'=1+2\"");
        assert_eq!(field("x,@SUM(A1)"), "\"x,'@SUM(A1)\"");
        assert_eq!(field("\t=cmd"), "'\t=cmd");
        assert_eq!(field("\r=cmd"), "\"'\r=cmd\"");
        assert_eq!(field("a - b"), "a - b");
        assert_eq!(field("Nguyễn Văn A"), "Nguyễn Văn A");
    }

    #[test]
    fn a_file_starts_with_the_utf8_mark() {
        let t = Table {
            header: vec!["Name".into()],
            rows: vec![vec!["Trần Thị B".into()]],
        };
        assert_eq!(file(&t), "\u{feff}Name\r\nTrần Thị B\r\n");
        assert_eq!(file(&t).as_bytes()[..3], [0xef, 0xbb, 0xbf]);
    }
}
