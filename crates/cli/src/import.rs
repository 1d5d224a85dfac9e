//! `tevreden import units|employees|contacts FILE --org SLUG [--skip-invalid]`.

use std::path::Path;
use std::time::Duration;

use clap::ValueEnum;
use tevreden_domain::import::read_table;
use tevreden_storage::{DatabaseUrl, ImportFileKind};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ImportKind {
    Units,
    Employees,
    Contacts,
}

impl From<ImportKind> for ImportFileKind {
    fn from(k: ImportKind) -> ImportFileKind {
        match k {
            ImportKind::Units => ImportFileKind::Units,
            ImportKind::Employees => ImportFileKind::Employees,
            ImportKind::Contacts => ImportFileKind::Contacts,
        }
    }
}

fn spinner(msg: String) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(msg);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

pub async fn run(
    url: &DatabaseUrl,
    kind: ImportKind,
    file: &Path,
    org: &str,
    skip_invalid: bool,
) -> Result<(), String> {
    let bar = spinner(format!("reading {}", file.display()));
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let table = read_table(&bytes).map_err(|e| format!("{}: {e}", file.display()))?;
    let store = crate::open_store(url).await?;
    let org = store
        .org_by_slug(org)
        .await
        .map_err(|e| format!("{e}; create it with `tevreden org create`"))?;
    bar.set_message(format!("checking {} rows", table.rows.len()));
    let checked = store
        .check_import(org.id, kind.into(), &table)
        .await
        .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    if !checked.errors.is_empty() {
        eprintln!(
            "{} of {} rows refused:",
            checked.refused_rows(),
            checked.rows_read
        );
        for e in &checked.errors {
            eprintln!("  {e}");
        }
        if !skip_invalid {
            store.close().await;
            return Err("nothing was imported; correct the rows above, or add --skip-invalid to import the valid rows only".into());
        }
    }
    let bar = indicatif::ProgressBar::new(checked.records.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("  writing {bar:30} {pos}/{len} rows")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = |done: usize| bar.set_position(done as u64);
    let audit = tevreden_storage::NewAudit {
        org_id: org.id,
        actor: &tevreden_storage::Actor::Cli,
        action: "import",
        object_type: tevreden_storage::ImportFileKind::from(kind).as_str(),
        object_key: "",
        before: None,
        after: Some(
            serde_json::json!({"rows": checked.records.len(), "refused_rows": checked.refused_rows()}),
        ),
    };
    let result = store
        .apply_import(org.id, &checked.records, &progress, Some(&audit))
        .await;
    bar.finish_and_clear();
    store.close().await;
    let summary = result.map_err(|e| format!("import failed, nothing was changed: {e}"))?;
    let skipped = if checked.errors.is_empty() {
        String::new()
    } else {
        ", refused rows skipped".to_string()
    };
    println!(
        "imported {}: {} created, {} updated{skipped}",
        format!("{kind:?}").to_lowercase(),
        summary.created,
        summary.updated
    );
    Ok(())
}
