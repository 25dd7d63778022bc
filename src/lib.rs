#![forbid(unsafe_code)]
//! gouji (勾稽): extract and cross-check the statistical tables of Chinese government
//! information-disclosure annual reports (政府信息公开工作年度报告).

pub use gouji_doc as doc;
pub use gouji_model as model;
