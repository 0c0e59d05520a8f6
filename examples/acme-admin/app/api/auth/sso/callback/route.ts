import { cookies } from "next/headers";
import { NextResponse } from "next/server";
import { workos } from "../../../../../lib/workos";

export async function GET(request: Request) {
  const url = new URL(request.url);
  const code = url.searchParams.get("code");
  if (!code) {
    return NextResponse.json({ error: "missing code" }, { status: 400 });
  }
  const { profile } = await workos.sso.getProfileAndToken({
    code,
    clientId: process.env.WORKOS_CLIENT_ID!,
  });
  if (profile.organizationId !== process.env.ACME_ORGANIZATION_ID) {
    return NextResponse.json({ error: "unknown organization" }, { status: 403 });
  }
  cookies().set("acme_session", profile.id, { httpOnly: true });
  return NextResponse.redirect(new URL("/", request.url));
}
