//! Who may see which units: one rule for signed-in users and API tokens alike.
//!
//! A user or token holds a [`Grant`]: a role and the units it is bound to. [`unit_scope`] turns
//! a grant and the organisation's unit tree into the units it may see. Every list, result and
//! export that is confined to units asks this function, so the rule lives here only.

/// What an account or API token may do. Managers and members are scoped to units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    Member,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "manager" => Some(Role::Manager),
            "member" => Some(Role::Member),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Member => "member",
        }
    }
}

/// A role and the units it was given for: a user's units, or the one unit a token is bound to.
/// An admin bound to no unit sees the whole organisation.
#[derive(Clone, Copy, Debug)]
pub struct Grant<'a> {
    pub role: Role,
    pub units: &'a [i64],
}

/// A unit of the tree as far as scope is concerned: its id and its materialised path of ids
/// (`/1/4/9/`), so that "this unit and everything under it" is a prefix.
pub trait TreeUnit {
    fn unit_id(&self) -> i64;
    fn unit_path(&self) -> &str;
}

/// The units a grant may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnitScope {
    /// Every unit of the organisation (an unbound admin).
    All,
    /// These units only (possibly none), in the order of the tree given.
    Only(Vec<i64>),
}

impl UnitScope {
    /// `None` for every unit; otherwise the ids (what storage filters take).
    pub fn ids(&self) -> Option<&[i64]> {
        match self {
            UnitScope::All => None,
            UnitScope::Only(ids) => Some(ids),
        }
    }

    pub fn into_ids(self) -> Option<Vec<i64>> {
        match self {
            UnitScope::All => None,
            UnitScope::Only(ids) => Some(ids),
        }
    }

    pub fn contains(&self, unit_id: i64) -> bool {
        match self {
            UnitScope::All => true,
            UnitScope::Only(ids) => ids.contains(&unit_id),
        }
    }

    /// The units of `tree` in scope, in its order.
    pub fn filter<'u, U: TreeUnit>(&self, tree: &'u [U]) -> Vec<&'u U> {
        tree.iter().filter(|u| self.contains(u.unit_id())).collect()
    }
}

/// The one rule: an admin bound to no unit sees everything; members see the units they are
/// bound to and nothing under them; admins and managers bound to units see those units and
/// everything under them; a manager or member bound to no unit (or only to units that are gone)
/// sees nothing.
pub fn unit_scope<U: TreeUnit>(grant: Grant<'_>, tree: &[U]) -> UnitScope {
    if grant.role == Role::Admin && grant.units.is_empty() {
        return UnitScope::All;
    }
    let roots: Vec<&U> = tree
        .iter()
        .filter(|u| grant.units.contains(&u.unit_id()))
        .collect();
    let seen = tree.iter().filter(|u| match grant.role {
        Role::Member => roots.iter().any(|r| r.unit_id() == u.unit_id()),
        Role::Admin | Role::Manager => roots
            .iter()
            .any(|r| u.unit_path().starts_with(r.unit_path())),
    });
    UnitScope::Only(seen.map(|u| u.unit_id()).collect())
}

/// The ids of `root` and every unit of `tree` under it (a unit filter within what is visible:
/// pass the visible units as `tree`).
pub fn subtree<U: TreeUnit>(tree: &[U], root: &U) -> Vec<i64> {
    tree.iter()
        .filter(|u| u.unit_path().starts_with(root.unit_path()))
        .map(|u| u.unit_id())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    struct U(i64, String);
    impl TreeUnit for U {
        fn unit_id(&self) -> i64 {
            self.0
        }
        fn unit_path(&self) -> &str {
            &self.1
        }
    }

    /// 1 ─ 2 ─ 4, 1 ─ 3; 5 alone; 12 beside 1 (a path that starts with `/1` textually).
    fn tree() -> Vec<U> {
        [
            (1, "/1/"),
            (2, "/1/2/"),
            (3, "/1/3/"),
            (4, "/1/2/4/"),
            (5, "/5/"),
            (12, "/12/"),
        ]
        .into_iter()
        .map(|(id, p)| U(id, p.into()))
        .collect()
    }

    fn only(ids: &[i64]) -> UnitScope {
        UnitScope::Only(ids.to_vec())
    }

    #[test]
    fn each_role_sees_what_it_was_given() {
        let t = tree();
        let scope = |role, units: &[i64]| unit_scope(Grant { role, units }, &t);
        assert_eq!(scope(Role::Admin, &[]), UnitScope::All);
        assert_eq!(scope(Role::Admin, &[2]), only(&[2, 4]));
        assert_eq!(scope(Role::Manager, &[1]), only(&[1, 2, 3, 4]));
        assert_eq!(scope(Role::Manager, &[2, 5]), only(&[2, 4, 5]));
        assert_eq!(scope(Role::Member, &[1]), only(&[1]));
        assert_eq!(scope(Role::Member, &[2, 5]), only(&[2, 5]));
        // nothing given, or only units that are gone: nothing seen
        assert_eq!(scope(Role::Manager, &[]), only(&[]));
        assert_eq!(scope(Role::Member, &[]), only(&[]));
        assert_eq!(scope(Role::Manager, &[99]), only(&[]));
        assert_eq!(scope(Role::Admin, &[99]), only(&[]));
    }

    #[test]
    fn a_subtree_is_the_unit_and_what_hangs_under_it() {
        let t = tree();
        assert_eq!(subtree(&t, &t[0]), vec![1, 2, 3, 4]);
        assert_eq!(subtree(&t, &t[1]), vec![2, 4]);
        assert_eq!(subtree(&t, &t[5]), vec![12]);
    }

    /// Trees as parent links: unit i + 1 hangs under one of the units before it, or is a root.
    fn arb_tree() -> impl Strategy<Value = Vec<U>> {
        prop::collection::vec(prop::option::of(0usize..1000), 1..30).prop_map(|parents| {
            let mut units: Vec<U> = Vec::new();
            for (i, parent) in parents.into_iter().enumerate() {
                let id = i as i64 + 1;
                let path = match parent.filter(|_| i > 0).map(|p| p % i) {
                    Some(p) => format!("{}{id}/", units[p].1),
                    None => format!("/{id}/"),
                };
                units.push(U(id, path));
            }
            units
        })
    }

    proptest! {
        #[test]
        fn scopes_are_closed_under_the_tree_and_ordered_by_role(
            t in arb_tree(),
            given in prop::collection::vec(1i64..35, 0..4),
        ) {
            let of = |role| unit_scope(Grant { role, units: &given }, &t);
            let (admin, manager, member) = (of(Role::Admin), of(Role::Manager), of(Role::Member));
            let parent_of = |u: &U| t.iter().find(|p| {
                u.1.starts_with(&p.1) && u.1[p.1.len()..].matches('/').count() == 1
            }).map(|p| p.0);
            // a member sees exactly the given units that exist
            let existing: Vec<i64> = t.iter().map(|u| u.0).filter(|id| given.contains(id)).collect();
            prop_assert_eq!(member.clone(), UnitScope::Only(existing));
            // a manager sees at least as much as a member, and the manager's scope is closed
            // downwards: a unit's children are in it when the unit is
            for u in &t {
                if member.contains(u.0) {
                    prop_assert!(manager.contains(u.0));
                }
                if let Some(p) = parent_of(u) && manager.contains(p) {
                    prop_assert!(manager.contains(u.0));
                }
                // a unit is seen only below (or at) a given unit
                if manager.contains(u.0) {
                    prop_assert!(given.iter().any(|g| t.iter().any(|r| r.0 == *g && u.1.starts_with(&r.1))));
                }
            }
            // a bound admin sees what a manager with the same units sees
            if !given.is_empty() {
                prop_assert_eq!(admin, manager);
            } else {
                prop_assert_eq!(admin, UnitScope::All);
                prop_assert_eq!(manager, UnitScope::Only(vec![]));
            }
        }
    }
}
