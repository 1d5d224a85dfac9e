//! Imports of thousands of units, employees and contacts, written in multi-row batches: every
//! row lands as given, paths follow the tree, and an import that fails part-way changes nothing.
//! Run on SQLite by default and on PostgreSQL with `TEVREDEN_TEST_DATABASE_URL`.

use std::collections::{BTreeMap, HashMap};

use tevreden_domain::ExternalId;
use tevreden_domain::import::{ContactRecord, EmployeeRecord, Office, UnitRecord};
use tevreden_storage::testing::TestDatabase;
use tevreden_storage::{ImportSummary, OrgTable, Store, StoreOptions};

async fn setup() -> (TestDatabase, Store, i64) {
    let db = TestDatabase::new().await;
    let store = Store::open(&db.url, StoreOptions::default()).await.unwrap();
    let org = store.create_org("acme", "Acme").await.unwrap();
    (db, store, org.id)
}

fn id(s: &str) -> ExternalId {
    ExternalId::parse(s).unwrap()
}

fn unit(i: usize, parent: Option<usize>) -> UnitRecord {
    UnitRecord {
        external_id: id(&format!("u{i}")),
        name: format!("Unit {i}"),
        parent: parent.map(|p| id(&format!("u{p}"))),
        office: if i.is_multiple_of(2) {
            Office::Front
        } else {
            Office::Back
        },
    }
}

/// Every unit's path is its parent's path plus its own id, and the roots' is `/id/`.
async fn assert_paths_follow_the_tree(store: &Store, org: i64) {
    let units = store.units(org).await.unwrap();
    let by_id: HashMap<i64, &tevreden_storage::Unit> = units.iter().map(|u| (u.id, u)).collect();
    for u in &units {
        let expected = match u.parent_id {
            None => format!("/{}/", u.id),
            Some(p) => format!("{}{}/", by_id[&p].path, u.id),
        };
        assert_eq!(u.path, expected, "unit {}", u.external_id);
    }
}

/// 1,365 units, five levels (1, 4, 16, 64, 256, 1,024 units: the last level spans several
/// batches), parents first as the check orders them; then the tree again with a subtree moved
/// under another root: every path follows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_units_are_written_in_batches_with_their_paths() {
    let (_db, store, org) = setup().await;
    let n = 1_365;
    let tree = |i: usize| (i > 0).then(|| (i - 1) / 4);
    let records: Vec<UnitRecord> = (0..n).map(|i| unit(i, tree(i))).collect();
    let progress = std::sync::Mutex::new(Vec::new());
    let summary = store
        .import_units_with_progress(
            org,
            &records,
            &|done| progress.lock().unwrap().push(done),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        summary,
        ImportSummary {
            created: n,
            updated: 0
        }
    );
    assert_eq!(progress.lock().unwrap().last(), Some(&n));
    assert_eq!(
        store.count_rows(org, OrgTable::Units).await.unwrap(),
        n as i64
    );
    let units = store.units(org).await.unwrap();
    let by_ext: HashMap<&str, &tevreden_storage::Unit> =
        units.iter().map(|u| (u.external_id.as_str(), u)).collect();
    for i in 0..n {
        let u = by_ext[format!("u{i}").as_str()];
        assert_eq!(u.name, format!("Unit {i}"));
        assert_eq!(
            u.parent_id,
            tree(i).map(|p| by_ext[format!("u{p}").as_str()].id)
        );
    }
    assert_paths_follow_the_tree(&store, org).await;
    assert_eq!(by_ext["u1364"].path.matches('/').count(), 7, "six levels");

    // again, renamed, with u1 (and its 341-unit subtree) moved under a new root u9999
    let mut again = vec![UnitRecord {
        external_id: id("u9999"),
        name: "New root".into(),
        parent: None,
        office: Office::Back,
    }];
    again.extend((0..n).map(|i| {
        let mut r = unit(i, if i == 1 { None } else { tree(i) });
        if i == 1 {
            r.parent = Some(id("u9999"));
        }
        r.name = format!("Renamed {i}");
        r
    }));
    let summary = store.import_units(org, &again).await.unwrap();
    assert_eq!(
        summary,
        ImportSummary {
            created: 1,
            updated: n
        }
    );
    let units = store.units(org).await.unwrap();
    assert!(
        units
            .iter()
            .all(|u| u.name.starts_with("Renamed") || u.external_id == "u9999")
    );
    let root = units.iter().find(|u| u.external_id == "u9999").unwrap();
    let moved = units
        .iter()
        .filter(|u| u.path.starts_with(&root.path))
        .count();
    assert_eq!(
        moved,
        1 + 1 + 4 + 16 + 64 + 256,
        "u9999, u1 and u1's subtree"
    );
    assert_paths_follow_the_tree(&store, org).await;
}

fn employee(i: usize, unit: &str) -> EmployeeRecord {
    EmployeeRecord {
        external_id: id(&format!("e{i}")),
        name: format!("Medewerker {i}"),
        email: (!i.is_multiple_of(3)).then(|| format!("e{i}@example.org")),
        unit: id(unit),
        role: i.is_multiple_of(2).then(|| "agent".to_string()),
        customer_facing: i.is_multiple_of(5),
    }
}

fn contact(i: usize, segment: &str) -> ContactRecord {
    let mut attributes = BTreeMap::new();
    attributes.insert("segment".to_string(), segment.to_string());
    attributes.insert("region".to_string(), format!("r{}", i % 7));
    ContactRecord {
        external_id: id(&format!("c{i}")),
        email: Some(format!("c{i}@example.org")),
        name: (!i.is_multiple_of(4)).then(|| format!("Klant {i}")),
        lang: i
            .is_multiple_of(2)
            .then(|| tevreden_domain::Lang::parse("nl").unwrap()),
        attributes,
    }
}

/// 3,100 employees and 3,100 contacts (seven batches each), created and then updated; every
/// field of every row as given.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_employees_and_contacts_are_upserted_in_batches() {
    let (_db, store, org) = setup().await;
    store
        .import_units(org, &[unit(0, None), unit(1, Some(0))])
        .await
        .unwrap();
    let n = 3_100;
    let first: Vec<EmployeeRecord> = (0..n).map(|i| employee(i, "u0")).collect();
    let s = store.import_employees(org, &first).await.unwrap();
    assert_eq!((s.created, s.updated), (n, 0));
    // the second file: 100 new ones, every other one moved to u1 and renamed
    let second: Vec<EmployeeRecord> = (0..n + 100)
        .map(|i| {
            let mut e = employee(i, if i.is_multiple_of(2) { "u1" } else { "u0" });
            if i.is_multiple_of(2) {
                e.name = format!("Verhuisd {i}");
            }
            e
        })
        .collect();
    let s = store.import_employees(org, &second).await.unwrap();
    assert_eq!((s.created, s.updated), (100, n));
    let mut stored = Vec::new();
    let mut after = 0;
    loop {
        let page = store
            .employees_page(org, &Default::default(), after, 1_000)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = last.id;
        stored.extend(page);
    }
    assert_eq!(stored.len(), n + 100);
    let by_ext: HashMap<String, tevreden_storage::Employee> = stored
        .into_iter()
        .map(|e| (e.external_id.clone(), e))
        .collect();
    for want in &second {
        let got = &by_ext[want.external_id.as_str()];
        assert_eq!(got.name, want.name);
        assert_eq!(got.email, want.email);
        assert_eq!(got.unit, want.unit.as_str());
        assert_eq!(got.role, want.role);
        assert_eq!(got.customer_facing, want.customer_facing);
    }

    let first: Vec<ContactRecord> = (0..n).map(|i| contact(i, "consumer")).collect();
    let s = store.import_contacts(org, &first).await.unwrap();
    assert_eq!((s.created, s.updated), (n, 0));
    let second: Vec<ContactRecord> = (0..n)
        .map(|i| contact(i, if i % 3 == 0 { "business" } else { "consumer" }))
        .collect();
    let s = store.import_contacts(org, &second).await.unwrap();
    assert_eq!((s.created, s.updated), (0, n));
    let stored = store
        .contacts_page(org, None, None, 0, 10_000)
        .await
        .unwrap();
    assert_eq!(stored.len(), n);
    let by_ext: HashMap<&str, &tevreden_storage::Contact> =
        stored.iter().map(|c| (c.external_id.as_str(), c)).collect();
    for want in &second {
        let got = by_ext[want.external_id.as_str()];
        assert_eq!(got.email, want.email);
        assert_eq!(got.name, want.name);
        assert_eq!(got.lang.as_deref(), want.lang.as_ref().map(|l| l.as_str()));
        assert_eq!(got.attributes, want.attributes);
    }
}

/// A refused import changes nothing, even when the refusal comes after several batches were
/// written: 2,900 employees whose 2,700th names a unit that does not exist (the records bypass
/// the file check, as a direct caller's could), and units whose last batch closes a cycle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_refused_after_several_batches_changes_nothing() {
    let (_db, store, org) = setup().await;
    store
        .import_units(org, &[unit(0, None), unit(1, Some(0))])
        .await
        .unwrap();
    store
        .import_employees(org, &[employee(0, "u0")])
        .await
        .unwrap();
    let before = store.employee(org, "e0").await.unwrap();
    let mut records: Vec<EmployeeRecord> = (0..2_900)
        .map(|i| {
            let mut e = employee(i, "u1");
            e.name = format!("Nieuw {i}");
            e
        })
        .collect();
    records[2_699].unit = id("nowhere");
    let err = store.import_employees(org, &records).await.unwrap_err();
    assert!(err.to_string().contains("nowhere"), "{err}");
    assert_eq!(store.count_rows(org, OrgTable::Employees).await.unwrap(), 1);
    assert_eq!(store.employee(org, "e0").await.unwrap(), before);

    // units: 1,200 new ones under u1, then u0 moved under the last of them (a cycle)
    let mut records: Vec<UnitRecord> = (2..1_202).map(|i| unit(i, Some(1))).collect();
    records.push(unit(0, Some(1_201)));
    let err = store.import_units(org, &records).await.unwrap_err();
    assert!(err.to_string().contains("cycle"), "{err}");
    assert_eq!(store.count_rows(org, OrgTable::Units).await.unwrap(), 2);
    let units = store.units(org).await.unwrap();
    assert_eq!(units[0].external_id, "u0");
    assert_eq!(units[0].parent_id, None);
    assert_paths_follow_the_tree(&store, org).await;
}
