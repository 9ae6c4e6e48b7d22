//! Talking to the widget API as the widget does: a conversation is issued by the server, and
//! its token goes with every call.

use serde_json::Value;

/// A conversation the server issued.
#[derive(Debug, Clone)]
pub struct Issued {
    pub id: String,
    pub token: String,
}

/// `POST /api/v1/conversations`, optionally signed in; panics unless the server issues one.
pub async fn new_conversation(base: &str, identity: Option<&str>) -> Issued {
    let response = create(base, identity).await;
    assert_eq!(response.status().as_u16(), 201, "a conversation is issued");
    let body: Value = response.json().await.expect("json");
    Issued {
        id: body["conversation_id"].as_str().expect("id").to_string(),
        token: body["conversation_token"]
            .as_str()
            .expect("token")
            .to_string(),
    }
}

/// `POST /api/v1/conversations` as it is answered.
pub async fn create(base: &str, identity: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().post(format!("{base}/api/v1/conversations"));
    if let Some(identity) = identity {
        request = request.header("x-kycdesk-identity", identity);
    }
    request.send().await.expect("request")
}

/// A message to a conversation with the given token and headers.
pub async fn post(
    base: &str,
    id: &str,
    token: Option<&str>,
    body: Value,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/api/v1/conversations/{id}/messages"))
        .json(&body);
    if let Some(token) = token {
        request = request.header("x-kycdesk-conversation", token);
    }
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    request.send().await.expect("request")
}

/// The status and the problem's `code` of a response.
pub async fn status_code(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (
        status,
        body["code"].as_str().unwrap_or_default().to_string(),
    )
}
