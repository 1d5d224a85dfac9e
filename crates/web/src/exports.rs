//! Response exports shared by the API (`GET /api/v1/surveys/{key}/responses`) and the admin
//! app (`/app/surveys/{key}/export.csv`): CSV and JSON streamed page by page, XLSX written by
//! a thread in constant memory. Each export asks the disclosure policy first, so neither caller
//! can stream responses one by one without it.

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use tevreden_domain::Lang;
use tevreden_domain::disclosure::Verdict;
use tevreden_domain::export::{AnswerLayout, CsvRows, header as export_header};
use tevreden_services::disclosure::Judge;
use tevreden_storage::{StoreError, Survey};

use crate::AppState;

/// Whether responses of this survey may be exported one by one.
fn allowed(judge: Judge<'_>) {
    match judge.individual() {
        Verdict::Show => {}
        Verdict::Withhold(why) => match why {},
    }
}

/// The header and answer layout of a response export. For people (`lang` given): the header
/// with each column's text beside its id, yes/no in that language. Times are always told in the
/// organisation's time zone, with the offset.
pub(crate) async fn export_shape(
    app: &AppState,
    survey: &Survey,
    lang: Option<&Lang>,
) -> Result<(Vec<String>, AnswerLayout), StoreError> {
    let cols = app.store.export_columns(survey.id).await?;
    let tz = app.store.org_time_zone(survey.org_id).await?;
    let Some(lang) = lang else {
        return Ok((
            export_header(&cols),
            AnswerLayout::new(&cols).speaking("en", tz),
        ));
    };
    let versions: Vec<_> = app
        .store
        .survey_versions(survey.id)
        .await?
        .into_iter()
        .filter(|v| v.version.is_some())
        .map(|v| v.definition)
        .collect();
    let newest_first: Vec<&tevreden_domain::survey::SurveyDefinition> = versions.iter().collect();
    let fixed = tevreden_domain::export::FIXED_COLUMNS
        .map(|c| crate::i18n::t(lang, &format!("export-col-{}", c.replace('_', "-"))));
    let header = tevreden_domain::export::labelled_header(&cols, &newest_first, lang, &fixed);
    Ok((header, AnswerLayout::new(&cols).speaking(lang.as_str(), tz)))
}

/// The column of `submitted_at` in a response export (a real date in XLSX).
const SUBMITTED_AT_COLUMN: usize = 1;

/// Responses read per page when exporting.
const EXPORT_PAGE: i64 = 2_000;

type ExportPageResult = Result<tevreden_storage::ExportPage, StoreError>;

/// Starts a task that reads the pages of an export ahead of the one being formatted, so the
/// database and the formatting work side by side (on SQLite they run on different threads).
fn read_ahead(
    app: &AppState,
    survey: &Survey,
    units: Option<Vec<i64>>,
) -> tokio::sync::mpsc::Receiver<ExportPageResult> {
    let (tx, rx) = tokio::sync::mpsc::channel::<ExportPageResult>(2);
    let store = app.store.clone();
    let mut reader = tevreden_storage::ExportReader::new(survey.id, units);
    tokio::spawn(async move {
        loop {
            let page = match reader.next_page(&store, EXPORT_PAGE).await {
                Ok(None) => return,
                Ok(Some(p)) => Ok(p),
                Err(e) => Err(e),
            };
            let failed = page.is_err();
            if tx.send(page).await.is_err() || failed {
                return;
            }
        }
    });
    rx
}

/// Every response of `survey` (of `units` only, when given) as an XLSX workbook: pages of rows
/// go to a writer thread that keeps one row in memory (rust_xlsxwriter's constant-memory
/// mode), the finished file is streamed from a temporary folder removed afterwards.
pub(crate) async fn export_xlsx(
    app: &AppState,
    judge: Judge<'_>,
    survey: &Survey,
    units: Option<Vec<i64>>,
    lang: Option<&Lang>,
) -> Result<Response, StoreError> {
    allowed(judge);
    let (header, layout) = export_shape(app, survey, lang).await?;
    let dir = tempfile::tempdir().map_err(|e| StoreError::Internal(e.to_string()))?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<Vec<String>>>(4);
    let path = dir.path().to_path_buf();
    let writer = tokio::task::spawn_blocking(move || {
        crate::xlsx::write_streamed(&path, "responses", rx, &[SUBMITTED_AT_COLUMN])
    });
    let mut pages = read_ahead(app, survey, units);
    let send_all = async {
        if tx.send(vec![header]).await.is_err() {
            return Ok(());
        }
        while let Some(page) = pages.recv().await {
            if tx.send(page?.rows(&layout)).await.is_err() {
                break;
            }
        }
        Ok::<_, StoreError>(())
    };
    let sent = send_all.await;
    drop(tx);
    let written = writer
        .await
        .map_err(|e| StoreError::Internal(format!("the XLSX writer stopped: {e}")))?;
    sent?;
    let file_path =
        written.map_err(|e| StoreError::Internal(format!("writing XLSX failed: {e}")))?;
    let file = tokio::fs::File::open(&file_path)
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok(crate::xlsx::file_response(
        file,
        dir,
        &format!("{}-responses.xlsx", survey.key),
    ))
}

/// Streams every published-version response of `survey` (of `units` only, when given) as CSV
/// (UTF-8 with BOM) or a JSON array, a page at a time: constant memory for any size.
pub(crate) async fn export_stream(
    app: &AppState,
    judge: Judge<'_>,
    survey: &Survey,
    csv: bool,
    delimiter: u8,
    units: Option<Vec<i64>>,
    lang: Option<&Lang>,
) -> Result<Response, StoreError> {
    allowed(judge);
    let (ct, ext) = if csv {
        ("text/csv; charset=utf-8", "csv")
    } else {
        ("application/json", "json")
    };
    let body = if csv {
        csv_body(app, survey, delimiter, units, lang).await?
    } else {
        json_body(app, survey, units)
    };
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}-responses.{ext}\"",
        survey.key
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// The CSV export as a stream: the BOM and header, then one chunk per page.
async fn csv_body(
    app: &AppState,
    survey: &Survey,
    delimiter: u8,
    units: Option<Vec<i64>>,
    lang: Option<&Lang>,
) -> Result<Body, StoreError> {
    let (header, layout) = export_shape(app, survey, lang).await?;
    let mut head = CsvRows::new(delimiter);
    head.record(header.iter().map(String::as_str));
    let head = [b"\xef\xbb\xbf".as_slice(), &head.take()].concat();
    let layout = std::sync::Arc::new(layout);
    let pages = read_ahead(app, survey, units);
    let rest = futures_util::stream::unfold(pages, move |mut pages| {
        let layout = layout.clone();
        async move {
            let page = match pages.recv().await? {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(error = %e, "export failed mid-stream");
                    pages.close();
                    return Some((Err(std::io::Error::other("export failed")), pages));
                }
            };
            let mut out = CsvRows::new(delimiter);
            page.write_csv(&layout, &mut out);
            Some((Ok::<_, std::io::Error>(Bytes::from(out.take())), pages))
        }
    });
    let first =
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) });
    Ok(Body::from_stream(futures_util::StreamExt::chain(
        first, rest,
    )))
}

/// The JSON export as a stream: an array of response objects, one chunk per page.
fn json_body(app: &AppState, survey: &Survey, units: Option<Vec<i64>>) -> Body {
    struct Cursor {
        store: tevreden_storage::Store,
        survey_id: i64,
        units: Option<Vec<i64>>,
        after: i64,
        first: bool,
        done: bool,
    }
    let stream = futures_util::stream::unfold(
        Cursor {
            store: app.store.clone(),
            survey_id: survey.id,
            units,
            after: 0,
            first: true,
            done: false,
        },
        |mut cur| async move {
            if cur.done {
                return None;
            }
            let page = match cur
                .store
                .responses_after_in(cur.survey_id, cur.after, EXPORT_PAGE, cur.units.as_deref())
                .await
            {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(error = %e, "export failed mid-stream");
                    cur.done = true;
                    return Some((Err(std::io::Error::other("export failed")), cur));
                }
            };
            let mut out: Vec<u8> = Vec::with_capacity(64 * 1024);
            if cur.first {
                out.push(b'[');
            }
            for r in &page {
                if !cur.first {
                    out.push(b',');
                }
                cur.first = false;
                out.extend(serde_json::to_vec(&r.export_json()).unwrap_or_default());
            }
            match page.last() {
                Some(last) if page.len() == EXPORT_PAGE as usize => cur.after = last.id,
                _ => {
                    cur.done = true;
                    out.push(b']');
                }
            }
            Some((Ok::<_, std::io::Error>(Bytes::from(out)), cur))
        },
    );
    Body::from_stream(stream)
}
