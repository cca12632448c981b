//! CSV export: RFC 4180 quoting, and no cell that a spreadsheet would run as a formula.

/// One CSV field: formula-looking values get a leading `'`, then quoting where needed.
pub fn field(value: &str) -> String {
    let guarded = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    };
    if guarded.contains([',', '"', '\n', '\r']) {
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
}
