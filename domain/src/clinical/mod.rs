//! Clinical rules computed on the device: early-warning and nutrition
//! scores from the recorded vitals, and the units they are entered in.
//! Each score is decision support with its published bands; thresholds an
//! establishment may tune are parameters, not constants buried in code.

pub mod aggir;
pub mod alerts;
pub mod news2;
pub mod push;
pub mod scale_forms;
pub mod scales;
pub mod undernutrition;
pub mod units;
