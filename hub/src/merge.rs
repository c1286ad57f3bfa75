//! Field-level merge of documents, on their top-level JSON fields.
//!
//! A device sends the whole new state of a document and the hub version it
//! started from (its base). The device's changes are the fields where its
//! state differs from the base; the other devices' changes since the base
//! are recorded per version. A field both changed, to different values, is
//! a conflict: the hub keeps its value and files the device's for a
//! coordinator. Changes the device made itself in later versions never
//! conflict with it.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// The outcome of merging a device's state into the hub's.
#[derive(Debug, Clone, PartialEq)]
pub struct Merge {
    /// The hub's new state (equal to `current` when nothing applies).
    pub state: Map<String, Value>,
    /// Fields the device changed and the merge applied.
    pub applied: Vec<String>,
    /// Fields where the device and another device disagree.
    pub conflicts: Vec<String>,
}

/// Fields where `a` and `b` differ (a missing field counts as null).
pub fn changed_fields(a: &Map<String, Value>, b: &Map<String, Value>) -> BTreeSet<String> {
    a.keys()
        .chain(b.keys())
        .filter(|k| a.get(*k).unwrap_or(&Value::Null) != b.get(*k).unwrap_or(&Value::Null))
        .cloned()
        .collect()
}

/// Merges `device` (made from `base`) into `current`, given the fields other
/// devices changed since `base`.
pub fn merge(
    base: &Map<String, Value>,
    current: &Map<String, Value>,
    device: &Map<String, Value>,
    changed_by_others: &BTreeSet<String>,
) -> Merge {
    let mut state = current.clone();
    let mut applied = Vec::new();
    let mut conflicts = Vec::new();
    for field in changed_fields(base, device) {
        let mine = device.get(&field).unwrap_or(&Value::Null);
        let theirs = current.get(&field).unwrap_or(&Value::Null);
        if mine == theirs {
            continue;
        }
        if changed_by_others.contains(&field) {
            conflicts.push(field);
        } else {
            state.insert(field.clone(), mine.clone());
            applied.push(field);
        }
    }
    Merge { state, applied, conflicts }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn disjoint_fields_merge() {
        let base = obj(json!({"room": "12", "gir": 3, "allergies": []}));
        let current = obj(json!({"room": "12", "gir": 2, "allergies": []}));
        let device = obj(json!({"room": "14", "gir": 3, "allergies": []}));
        let m = merge(&base, &current, &device, &["gir".into()].into());
        assert_eq!(m.state, obj(json!({"room": "14", "gir": 2, "allergies": []})));
        assert_eq!(m.applied, ["room"]);
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn same_field_different_values_conflict_and_hub_keeps_its_value() {
        let base = obj(json!({"room": "12"}));
        let current = obj(json!({"room": "15"}));
        let device = obj(json!({"room": "14"}));
        let m = merge(&base, &current, &device, &["room".into()].into());
        assert_eq!(m.state, current);
        assert_eq!(m.conflicts, ["room"]);
    }

    #[test]
    fn same_change_on_both_sides_is_no_conflict() {
        let base = obj(json!({"room": "12"}));
        let current = obj(json!({"room": "14"}));
        let device = obj(json!({"room": "14"}));
        let m = merge(&base, &current, &device, &["room".into()].into());
        assert!(m.conflicts.is_empty() && m.applied.is_empty());
    }

    #[test]
    fn own_earlier_changes_do_not_conflict() {
        // The device changed room (applied as v2), then gir, both from base v1.
        let base = obj(json!({"room": "12", "gir": 3}));
        let current = obj(json!({"room": "14", "gir": 3}));
        let device = obj(json!({"room": "14", "gir": 2}));
        let m = merge(&base, &current, &device, &BTreeSet::new());
        assert_eq!(m.state, obj(json!({"room": "14", "gir": 2})));
        assert_eq!(m.applied, ["gir"]);
    }

    #[test]
    fn removed_and_added_fields_count() {
        let a = obj(json!({"x": 1, "y": null}));
        let b = obj(json!({"x": 1, "z": 2}));
        assert_eq!(changed_fields(&a, &b), ["z".to_string()].into());
    }
}
