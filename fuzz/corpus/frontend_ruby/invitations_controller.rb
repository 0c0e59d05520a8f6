class InvitationsController < ApplicationController
  before_action :authenticate_user!
  before_action :require_member_manager, only: [:create]

  def create
    invitation_params = params.require(:invitation).permit(:email)
    invitation = WorkOS.client.user_management.send_invitation(
      email: invitation_params[:email],
      organization_id: current_user.organization_id,
      inviter_user_id: current_user.id
    )
    render json: { id: invitation.id }, status: :created
  end

  private

  def require_member_manager
    unless current_user.permissions.include?("widgets:users-table:manage")
      render json: { error: "forbidden" }, status: :forbidden
    end
  end
end
