//! Typed ids across the FFI. Each kind of id is its own type in Rust, so a
//! resident's id cannot be passed where a unit's is expected; Kotlin and
//! Swift see each as a type alias of a string (`typealias ResidentId =
//! String`), named in every signature. An id that is not a UUID is refused
//! when it crosses, as `ChevetError::InvalidInput` naming the kind of id,
//! before the call runs.

use uuid::Uuid;

use crate::error::parse_id;

macro_rules! ffi_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub Uuid);

        uniffi::custom_type!($name, String, {
            try_lift: |s| Ok($name(parse_id($field, &s)?)),
            lower: |id| id.0.to_string(),
        });

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                $name(id)
            }
        }
    };
}

ffi_id!(
    /// A resident (the person cared for).
    ResidentId,
    "resident_id"
);
ffi_id!(
    /// A unit of an establishment (a floor of an EHPAD, a SSIAD's sector).
    UnitId,
    "unit_id"
);
ffi_id!(
    /// A professional.
    StaffId,
    "staff_id"
);
ffi_id!(
    /// A line of a resident's care plan.
    PlannedActId,
    "planned_act_id"
);
ffi_id!(
    /// A wound's file.
    WoundId,
    "wound_id"
);
ffi_id!(
    /// A photo record.
    PhotoId,
    "photo_id"
);
ffi_id!(
    /// A record of the care file (a fact: an act, a dose, a measure, a
    /// transmission, a wound assessment, a transfer sheet…).
    RecordId,
    "record_id"
);
ffi_id!(
    /// A home-care route (a SSIAD nurse's tournée of a day).
    RouteId,
    "route_id"
);
