import { withAuth } from "@workos-inc/authkit-nextjs";

/** Resolves the session and throws unless the caller holds `permission`. */
export async function requirePermission(permission: string) {
  const session = await withAuth({ ensureSignedIn: true });
  if (!session.permissions?.includes(permission)) {
    throw new Response("Forbidden", { status: 403 });
  }
  return session;
}
