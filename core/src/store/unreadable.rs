//! A stored record that could not be read (its envelope does not open):
//! every read lists it by table and id instead of failing the whole
//! screen or hiding the gap.

use uuid::Uuid;

use crate::error::CoreError;

/// A record that could not be read, listed so the gap is visible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub table: &'static str,
    pub id: Uuid,
    /// The error, which names kinds and ids only.
    pub error: String,
}

impl Unreadable {
    pub(crate) fn new(table: &'static str, id: Uuid, e: &CoreError) -> Self {
        Unreadable { table, id, error: e.to_string() }
    }
}
