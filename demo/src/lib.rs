//! chevet-demo: the fictional establishment and what runs on it — the
//! whole system on one machine ([`system`]), the group the whole-system
//! tests start from ([`group`]), one tablet's store (`chevet-demo-tablet`).
//! Nothing here ships: the hub and the apps' library never depend on it.

pub mod group;
pub mod system;
