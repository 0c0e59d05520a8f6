import { withAuth } from "@workos-inc/authkit-nextjs";
import { NextResponse } from "next/server";
import { workos } from "../../../../../lib/workos";

const ROLES = ["member", "admin", "billing"];

export async function PATCH(
  request: Request,
  { params }: { params: { membershipId: string } },
) {
  const { user, permissions } = await withAuth({ ensureSignedIn: true });
  if (!permissions?.includes("widgets:users-table:manage")) {
    return NextResponse.json({ error: "forbidden" }, { status: 403 });
  }
  const { role } = await request.json();
  if (!ROLES.includes(role)) {
    return NextResponse.json({ error: `unknown role ${role}` }, { status: 400 });
  }
  const membership = await workos.userManagement.updateOrganizationMembership(params.membershipId, {
    roleSlug: role,
  });
  if (membership.userId === user.id) {
    console.info("user changed their own role", { user: user.id });
  }
  return NextResponse.json(membership);
}
