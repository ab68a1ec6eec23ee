//! Reusable pieces of the console.

pub mod crm_tabs;
pub mod layout;
pub mod pager;
pub mod ui;
