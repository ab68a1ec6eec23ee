//! Sanity HTTP API.

use super::{Account, TestFailed, http};

/// Runs a one-document GROQ query on the dataset (`GET /{version}/data/query/{dataset}`).
pub async fn test(account: &Account<'_>, client: &reqwest::Client) -> Result<String, TestFailed> {
    let project = account.setting("project_id");
    let base = account.base_url(&format!("https://{project}.api.sanity.io"));
    let dataset = account.setting("dataset");
    http::json(
        client
            .get(format!(
                "{base}/{}/data/query/{dataset}",
                account.setting("api_version")
            ))
            .query(&[("query", "*[0...1]{_id}")])
            .bearer_auth(account.secret("api_token")),
        "Sanity",
    )
    .await?;
    Ok(format!(
        "Sanity: dataset \"{dataset}\" of project {project} is readable"
    ))
}
