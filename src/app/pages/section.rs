//! The console sections whose pages arrive with later releases. They say so honestly
//! instead of showing invented data.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::ui::{EmptyState, PageHeader};

/// A console section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `/blog`.
    Blog,
}

impl Section {
    fn title(self) -> &'static str {
        match self {
            Section::Blog => "Blog",
        }
    }

    fn purpose(self) -> &'static str {
        match self {
            Section::Blog => {
                "Markdown drafts with a live preview, published to your CMS after approval."
            }
        }
    }
}

/// A section that is not available in this version yet.
#[component]
pub fn SectionPage(section: Section) -> impl IntoView {
    view! {
        <Title text=section.title() />
        <PageHeader title=section.title() subtitle=section.purpose() />
        <EmptyState title="Nothing here yet".to_owned()>
            <p>"This part of the console is not available in this version of Tenex. Nothing has been created here, and nothing will be sent from here until it is."</p>
        </EmptyState>
    }
}
