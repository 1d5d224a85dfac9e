//! `tevreden import units|employees|contacts FILE --org SLUG [--skip-invalid]`.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use clap::ValueEnum;
use tevreden_domain::import::{
    ContactRecord, EmployeeRecord, RowError, UnitRecord, check_contacts, check_employees,
    check_units, read_table,
};
use tevreden_storage::DatabaseUrl;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ImportKind {
    Units,
    Employees,
    Contacts,
}

enum Records {
    Units(Vec<UnitRecord>),
    Employees(Vec<EmployeeRecord>),
    Contacts(Vec<ContactRecord>),
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
    fn strip<T>(records: Vec<(usize, T)>) -> Vec<T> {
        records.into_iter().map(|(_, r)| r).collect()
    }
    let (errors, rows_read, records): (Vec<RowError>, usize, Records) = match kind {
        ImportKind::Units => {
            let c = check_units(
                &table,
                &store
                    .unit_parents(org.id)
                    .await
                    .map_err(|e| e.to_string())?,
            );
            (c.errors, c.rows_read, Records::Units(strip(c.records)))
        }
        ImportKind::Employees => {
            let c = check_employees(
                &table,
                &store
                    .unit_external_ids(org.id)
                    .await
                    .map_err(|e| e.to_string())?,
            );
            (c.errors, c.rows_read, Records::Employees(strip(c.records)))
        }
        ImportKind::Contacts => {
            let c = check_contacts(&table);
            (c.errors, c.rows_read, Records::Contacts(strip(c.records)))
        }
    };
    bar.finish_and_clear();
    if !errors.is_empty() {
        let refused: BTreeSet<usize> = errors.iter().map(|e| e.line).collect();
        eprintln!("{} of {rows_read} rows refused:", refused.len());
        for e in &errors {
            eprintln!("  {e}");
        }
        if !skip_invalid {
            store.close().await;
            return Err("nothing was imported; correct the rows above, or add --skip-invalid to import the valid rows only".into());
        }
    }
    let total = match &records {
        Records::Units(r) => r.len(),
        Records::Employees(r) => r.len(),
        Records::Contacts(r) => r.len(),
    };
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("  writing {bar:30} {pos}/{len} rows")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = |done: usize| bar.set_position(done as u64);
    let result = match &records {
        Records::Units(r) => store.import_units_with_progress(org.id, r, &progress).await,
        Records::Employees(r) => {
            store
                .import_employees_with_progress(org.id, r, &progress)
                .await
        }
        Records::Contacts(r) => {
            store
                .import_contacts_with_progress(org.id, r, &progress)
                .await
        }
    };
    bar.finish_and_clear();
    store.close().await;
    let summary = result.map_err(|e| format!("import failed, nothing was changed: {e}"))?;
    let skipped = if errors.is_empty() {
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
