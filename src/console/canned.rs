//! Canned replies for agents: `locales/<lang>/canned.ftl`, messages `canned-<cause>-<n>` with a
//! `.title`. `GET /api/canned?lang=&cause=` lists the cause's replies, then the general ones.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::error::ApiError;
use super::extract::{ApiQuery, Authed};
use super::state::ConsoleState;
use crate::i18n::{Lang, Locales};
use crate::nlu::intents::CAUSES;

/// Replies for every conversation, whatever the cause.
pub const GENERAL: &str = "general";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CannedReply {
    pub id: String,
    pub title: String,
    pub text: String,
}

/// The canned replies of `cause` (when it is a known cause) in `lang`, then the general ones.
pub fn replies(locales: &Locales, lang: Lang, cause: Option<&str>) -> Vec<CannedReply> {
    let mut groups = Vec::new();
    if let Some(cause) = cause.filter(|c| CAUSES.contains(c)) {
        groups.push(cause);
    }
    groups.push(GENERAL);
    groups
        .into_iter()
        .flat_map(|group| locales.render_group(lang, &format!("canned-{group}-")))
        .map(|(id, text)| CannedReply {
            title: locales
                .render_attribute(lang, &id, "title")
                .unwrap_or_else(|| id.clone()),
            id,
            text,
        })
        .collect()
}

#[derive(Deserialize)]
pub struct CannedQuery {
    lang: Option<String>,
    cause: Option<String>,
}

pub async fn list(
    State(state): State<ConsoleState>,
    _authed: Authed,
    ApiQuery(query): ApiQuery<CannedQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let lang = match query.lang.as_deref() {
        None => Lang::default(),
        Some(tag) => Lang::ALL
            .into_iter()
            .find(|l| l.tag() == tag)
            .ok_or_else(|| ApiError::bad_request("lang is zh-CN or en"))?,
    };
    let replies = replies(state.desk.runtime().locales(), lang, query.cause.as_deref());
    Ok(Json(json!({ "replies": replies })))
}
