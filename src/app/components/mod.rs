//! Reusable pieces of the console.

pub mod ad_preview;
pub mod copy_editor;
pub mod crm_tabs;
pub mod day_chart;
pub mod layout;
pub mod pager;
pub mod results;
pub mod ui;
