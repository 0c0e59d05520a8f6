import { NextResponse } from "next/server";
import { requirePermission } from "../../../lib/auth";
import { workos } from "../../../lib/workos";

export async function POST(request: Request) {
  const { organizationId } = await requirePermission("widgets:domain-verification:manage");
  const { domain } = await request.json();
  const created = await workos.organizationDomains.createOrganizationDomain({
    domain,
    organizationId,
  });
  return NextResponse.json({ id: created.id, state: created.state });
}
