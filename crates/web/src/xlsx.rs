//! XLSX exports: responses streamed into a worksheet in constant memory (rows go to a
//! temporary file as they come, the workbook is zipped at the end and streamed from disk),
//! and small tables built in memory.

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A cell value: a number when the text is a plain number (no leading zeros, so ids such as
/// `0012` stay text), otherwise text. Text is never a formula in XLSX.
fn write_cell(
    ws: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    text: &str,
) -> Result<(), XlsxError> {
    let leading_zero = text.len() > 1 && text.starts_with('0') && !text.starts_with("0.");
    let unusual = text.is_empty() || text.len() > 15 || text.starts_with('+') || leading_zero;
    let plain_number = !unusual && text.parse::<f64>().is_ok_and(f64::is_finite);
    if plain_number {
        ws.write_number(row, col, text.parse::<f64>().unwrap_or_default())?;
    } else if !text.is_empty() {
        ws.write_string(row, col, text)?;
    }
    Ok(())
}

/// The wall-clock time of an RFC 3339 text with an offset (`2026-03-01T10:00:00+01:00`) as a
/// spreadsheet date: what the person who answered saw on their clock. Other text is `None`.
fn local_datetime(text: &str) -> Option<rust_xlsxwriter::ExcelDateTime> {
    let local = text.get(..19)?;
    if text.len() < 20 || local.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    rust_xlsxwriter::ExcelDateTime::parse_from_str(&local.replace('T', " ")).ok()
}

/// Writes rows received from `rx` (the header first) into a constant-memory worksheet saved in
/// `dir`; returns the file's path. Runs on a blocking thread.
pub fn write_streamed(
    dir: &std::path::Path,
    sheet: &str,
    mut rx: tokio::sync::mpsc::Receiver<Vec<Vec<String>>>,
    date_columns: &[usize],
) -> Result<std::path::PathBuf, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_tempdir(dir)?;
    let bold = Format::new().set_bold();
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name(sheet)?;
    let mut row: u32 = 0;
    let mut header = true;
    while let Some(rows) = rx.blocking_recv() {
        for cells in rows {
            for (c, text) in cells.iter().enumerate() {
                let col = u16::try_from(c).unwrap_or(u16::MAX);
                if header {
                    ws.write_string_with_format(row, col, text, &bold)?;
                } else if date_columns.contains(&c)
                    && let Some(local) = local_datetime(text)
                {
                    ws.write_datetime_with_format(row, col, &local, &datetime)?;
                } else {
                    write_cell(ws, row, col, text)?;
                }
            }
            if header {
                ws.set_freeze_panes(1, 0)?;
                header = false;
            }
            row += 1;
        }
    }
    let path = dir.join("export.xlsx");
    wb.save(&path)?;
    Ok(path)
}

/// A cell of a small table: numbers are written as numbers, text as text (never a formula).
pub enum TableCell {
    Text(String),
    Number(f64),
}

/// A small table as an XLSX file in memory.
pub fn table(
    sheet: &str,
    headers: &[String],
    rows: &[Vec<TableCell>],
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(sheet)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (r, cells) in rows.iter().enumerate() {
        for (c, cell) in cells.iter().enumerate() {
            let (row, col) = (r as u32 + 1, c as u16);
            match cell {
                TableCell::Number(v) if v.is_finite() => {
                    ws.write_number(row, col, *v)?;
                }
                TableCell::Number(_) => {}
                TableCell::Text(t) if t.is_empty() => {}
                TableCell::Text(t) => {
                    ws.write_string(row, col, t)?;
                }
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    wb.save_to_buffer()
}

/// Streams a file from disk as a download, keeping `keep` (the temporary folder) alive until
/// the last byte is sent.
pub fn file_response(file: tokio::fs::File, keep: tempfile::TempDir, filename: &str) -> Response {
    use tokio::io::AsyncReadExt;
    let stream = futures_util::stream::unfold(Some((file, keep)), |state| async move {
        let (mut file, keep) = state?;
        let mut buf = vec![0u8; 256 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((
                    Ok::<_, std::io::Error>(Bytes::from(buf)),
                    Some((file, keep)),
                ))
            }
            Err(e) => Some((Err(e), None)),
        }
    });
    let mut resp = Response::new(Body::from_stream(stream));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_stay_numbers_and_ids_stay_text() {
        let t = |s: &str| TableCell::Text(s.into());
        let bytes = table(
            "t",
            &["id".into(), "score".into(), "note".into()],
            &[
                vec![t("0012"), TableCell::Number(8.0), t("=1+1")],
                vec![t("A7"), TableCell::Number(4.5), t("")],
            ],
        )
        .unwrap();
        // A zip (PK) holding the sheet; the formula-looking text is stored as text.
        assert_eq!(&bytes[..2], b"PK");
        let cursor = std::io::Cursor::new(bytes);
        let mut wb: calamine_check::Xlsx = calamine_check::open(cursor);
        let rows = wb.rows();
        assert_eq!(rows[1], vec!["0012".to_string(), "8".into(), "=1+1".into()]);
        assert_eq!(rows[2][1], "4.5");
    }

    /// Reads the workbook back with calamine (the reader the importer uses).
    mod calamine_check {
        use calamine::Reader;
        pub type Xlsx = calamine::Xlsx<std::io::Cursor<Vec<u8>>>;
        pub fn open(c: std::io::Cursor<Vec<u8>>) -> Xlsx {
            calamine::Xlsx::new(c).unwrap()
        }
        pub trait Rows {
            fn rows(&mut self) -> Vec<Vec<String>>;
        }
        impl Rows for Xlsx {
            fn rows(&mut self) -> Vec<Vec<String>> {
                let range = self.worksheet_range_at(0).unwrap().unwrap();
                range
                    .rows()
                    .map(|r| r.iter().map(|c| c.to_string()).collect())
                    .collect()
            }
        }
    }
    use calamine_check::Rows;
}
