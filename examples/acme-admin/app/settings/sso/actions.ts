"use server";

import { withAuth } from "@workos-inc/authkit-nextjs";
import { redirect } from "next/navigation";
import { workos } from "../../../lib/workos";

export async function configureSso() {
  const { organizationId, permissions } = await withAuth({ ensureSignedIn: true });
  if (!organizationId || !permissions?.includes("widgets:sso:manage")) {
    redirect("/settings?error=forbidden");
  }
  const { link } = await workos.adminPortal.generateLink({
    organization: organizationId,
    intent: "sso",
  });
  redirect(link);
}
