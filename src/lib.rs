#![forbid(unsafe_code)]
//! gouji (勾稽): extract and cross-check the statistical tables of Chinese government
//! information-disclosure annual reports (政府信息公开工作年度报告).
//!
//! Pipeline: [`detect`] the format → [`extract`] into the intermediate
//! [`doc::Document`] → [`mapping`] through a [`template`] → [`reconcile`] → a
//! [`model::Record`]. [`pipeline`] ties the stages together.

pub use gouji_doc as doc;
/// The extract stage (crate `gouji-extract`): detection and the format extractors.
pub use gouji_extract as extract;
pub use gouji_extract::detect;
pub use gouji_model as model;

/// The check stage (crate `gouji-check`).
pub use gouji_check::{crossyear, reconcile, template};
/// The map stage (crate `gouji-map`).
pub use gouji_map::{flattened, labels, mapping, number, report_info, rowstream};

pub mod dataset;
pub mod pipeline;
pub mod pool;
pub mod run;
