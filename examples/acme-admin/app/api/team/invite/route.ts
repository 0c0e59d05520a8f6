import { withAuth } from "@workos-inc/authkit-nextjs";
import { NextResponse } from "next/server";
import { isEnabled } from "../../../../lib/flags";
import { workos } from "../../../../lib/workos";

export async function POST(request: Request) {
  const { user, organizationId, permissions } = await withAuth({ ensureSignedIn: true });

  // TODO(team): turn this on for everyone once the support tooling is migrated.
  if (isEnabled("strict_invites")) {
    if (!permissions?.includes("widgets:users-table:manage")) {
      return NextResponse.json({ error: "You cannot invite members" }, { status: 403 });
    }
  }

  const { email, role } = await request.json();
  const invitation = await workos.userManagement.sendInvitation({
    email,
    organizationId,
    roleSlug: role ?? "member",
    inviterUserId: user.id,
  });
  return NextResponse.json({ id: invitation.id });
}
