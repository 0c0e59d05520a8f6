import { withAuth } from "@workos-inc/authkit-nextjs";
import { WorkOS } from "@workos-inc/node";
import { NextResponse } from "next/server";

const workos = new WorkOS(process.env.WORKOS_API_KEY);
const ALLOWED_ROLES = ["member", "admin"];

export async function POST(request: Request) {
  const { user, organizationId, permissions } = await withAuth({ ensureSignedIn: true });
  if (!permissions?.includes("widgets:users-table:manage")) {
    return NextResponse.json({ error: "forbidden" }, { status: 403 });
  }
  const { email, role } = await request.json();
  if (!ALLOWED_ROLES.includes(role)) {
    return NextResponse.json({ error: "invalid role" }, { status: 400 });
  }
  const invitation = await workos.userManagement.sendInvitation({
    email,
    organizationId,
    roleSlug: role,
    inviterUserId: user.id,
  });
  return NextResponse.json(invitation);
}
