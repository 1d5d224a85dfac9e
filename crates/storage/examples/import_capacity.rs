//! How fast imports write units, employees and contacts:
//! `cargo run --release -p tevreden-storage --example import_capacity [CONTACTS]`
//! (default 50,000 contacts; as many employees; 2,000 units in a tree five levels deep).
//! `TEVREDEN_TEST_DATABASE_URL=postgres://…` measures PostgreSQL instead of SQLite.
//! Each file is imported twice: once creating every record, once updating every record.
use std::time::Instant;

use tevreden_domain::import::Table;
use tevreden_storage::testing::TestDatabase;
use tevreden_storage::{ImportFileKind, Store, StoreOptions};

fn table(headers: &[&str], rows: Vec<Vec<String>>) -> Table {
    Table {
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows: rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i + 2, r))
            .collect(),
    }
}

async fn measure(store: &Store, org: i64, what: &str, kind: ImportFileKind, table: &Table) {
    for round in ["create", "update"] {
        let started = Instant::now();
        let checked = store.check_import(org, kind, table).await.unwrap();
        assert!(checked.errors.is_empty(), "{:?}", &checked.errors[..1]);
        let checking = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let summary = store
            .apply_import(org, &checked.records, &|_| {}, None)
            .await
            .unwrap();
        let writing = started.elapsed().as_secs_f64();
        let n = checked.records.len();
        println!(
            "{what:>9} {round}: {n} rows written in {writing:.2} s = {:>7.0} rows/s (checked in {checking:.2} s; {} created, {} updated)",
            n as f64 / writing,
            summary.created,
            summary.updated
        );
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50_000);
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url, StoreOptions::default()).await.unwrap();
    let org = store.create_org("i", "I").await.unwrap().id;
    // 2,000 units: a root, then levels of 4, 16, 64, 256 and the rest under the last level
    let units = 2_000;
    let parent = |i: usize| if i == 0 { None } else { Some((i - 1) / 4) };
    let rows = (0..units)
        .map(|i| {
            vec![
                format!("u{i}"),
                format!("Unit {i}"),
                parent(i).map(|p| format!("u{p}")).unwrap_or_default(),
                if i % 3 == 0 { "front" } else { "back" }.to_string(),
            ]
        })
        .collect();
    let t = table(&["external_id", "name", "parent", "office"], rows);
    measure(&store, org, "units", ImportFileKind::Units, &t).await;
    let rows = (0..n)
        .map(|i| {
            vec![
                format!("e{i}"),
                format!("Medewerker {i}"),
                format!("e{i}@example.org"),
                format!("u{}", units - 1 - i % 1_000),
                "agent".to_string(),
                if i % 2 == 0 { "ja" } else { "nee" }.to_string(),
            ]
        })
        .collect();
    let t = table(
        &[
            "external_id",
            "name",
            "email",
            "unit",
            "role",
            "customer_facing",
        ],
        rows,
    );
    measure(&store, org, "employees", ImportFileKind::Employees, &t).await;
    let rows = (0..n)
        .map(|i| {
            vec![
                format!("c{i}"),
                format!("c{i}@example.org"),
                format!("Klant {i}"),
                "nl".to_string(),
                ["consumer", "business", "public"][i % 3].to_string(),
                format!("region-{}", i % 12),
            ]
        })
        .collect();
    let t = table(
        &["external_id", "email", "name", "lang", "segment", "region"],
        rows,
    );
    // the same contacts as a CSV file, read as the CLI and the import page read it
    let mut csv = t.headers.join(",");
    csv.push('\n');
    for (_, r) in &t.rows {
        csv.push_str(&r.join(","));
        csv.push('\n');
    }
    let started = Instant::now();
    let read = tevreden_domain::import::read_table(csv.as_bytes()).unwrap();
    let reading = started.elapsed().as_secs_f64();
    assert_eq!(read.rows.len(), n);
    println!(
        " contacts read: {n} rows ({:.1} MB of CSV) in {reading:.2} s = {:>7.0} rows/s",
        csv.len() as f64 / 1e6,
        n as f64 / reading
    );
    measure(&store, org, "contacts", ImportFileKind::Contacts, &t).await;
    store.close().await;
}
