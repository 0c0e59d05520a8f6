package handlers

import (
	"encoding/json"
	"net/http"
	"os"
	"slices"

	"github.com/workos/workos-go/v7/pkg/workos"

	"github.com/acme/teamapp/internal/auth"
)

var allowedRoles = []string{"member", "admin"}

func InviteHandler(w http.ResponseWriter, r *http.Request) {
	user := auth.UserFromContext(r.Context())
	if user == nil {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if !slices.Contains(user.Permissions, "widgets:users-table:manage") {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	var body struct {
		Email string `json:"email"`
		Role  string `json:"role"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, "invalid body", http.StatusBadRequest)
		return
	}
	if !slices.Contains(allowedRoles, body.Role) {
		http.Error(w, "invalid role", http.StatusBadRequest)
		return
	}
	client := workos.NewClient(os.Getenv("WORKOS_API_KEY"))
	invitation, err := client.UserManagement().SendInvitation(r.Context(), &workos.UserManagementSendInvitationParams{
		Email:          body.Email,
		OrganizationID: &user.OrganizationID,
		RoleSlug:       &body.Role,
		InviterUserID:  &user.ID,
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	json.NewEncoder(w).Encode(invitation)
}
