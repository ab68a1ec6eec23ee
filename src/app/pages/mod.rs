//! One file per console page.

pub mod ad_campaign;
pub mod ad_campaigns;
pub mod ad_creatives;
pub mod api_keys;
pub mod approvals;
pub mod audit_log;
pub mod brands;
pub mod campaigns;
pub mod connectors;
pub mod crm_contact;
pub mod crm_contacts;
pub mod crm_import;
pub mod crm_segment;
pub mod crm_segments;
pub mod email_sequence;
pub mod email_sequences;
pub mod home;
pub mod jobs;
pub mod login;
pub mod not_found;
pub mod outbox;
pub mod section;
pub mod sequence_run;
pub mod settings;
pub mod suppressions;
pub mod workspace_settings;
