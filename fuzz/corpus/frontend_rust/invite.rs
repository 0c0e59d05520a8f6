use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;
use serde_json::{json, Value};
use workos::user_management::SendInvitationParams;

use crate::auth::SessionUser;
use crate::AppState;

const ALLOWED_ROLES: [&str; 2] = ["member", "admin"];

#[derive(Deserialize)]
pub struct InviteBody {
    pub email: String,
    pub role: String,
}

pub async fn invite(
    State(state): State<AppState>,
    user: SessionUser,
    Json(body): Json<InviteBody>,
) -> Result<Json<Value>, StatusCode> {
    if !user
        .permissions
        .iter()
        .any(|p| p == "widgets:users-table:manage")
    {
        return Err(StatusCode::FORBIDDEN);
    }
    let role = body.role;
    if !ALLOWED_ROLES.contains(&role.as_str()) {
        return Err(StatusCode::BAD_REQUEST);
    }
    let invitation = state
        .workos
        .user_management()
        .send_invitation(&SendInvitationParams {
            email: &body.email,
            organization_id: Some(&user.organization_id),
            role_slug: Some(&role),
            inviter_user_id: Some(&user.id),
            ..Default::default()
        })
        .await
        .map_err(|_| StatusCode::BAD_GATEWAY)?;
    Ok(Json(json!({ "id": invitation.id })))
}
