from flask import Blueprint, abort, jsonify, request
from flask_login import current_user, login_required

from app.workos_client import workos_client

bp = Blueprint("team", __name__)
ALLOWED_ROLES = ["member", "admin"]


@bp.post("/invitations")
@login_required
def invite():
    if "widgets:users-table:manage" not in current_user.permissions:
        abort(403)
    body = request.get_json()
    role = body.get("role", "member")
    if role not in ALLOWED_ROLES:
        abort(400)
    invitation = workos_client.user_management.send_invitation(
        email=body["email"],
        organization_id=current_user.organization_id,
        role_slug=role,
        inviter_user_id=current_user.id,
    )
    return jsonify(id=invitation.id)
