import { withAuth } from "@workos-inc/authkit-nextjs";
import { UsersManagement, WorkOsWidgets } from "@workos-inc/widgets";
import { workos } from "../../lib/workos";

export default async function TeamPage() {
  const { user, organizationId } = await withAuth({ ensureSignedIn: true });
  if (!organizationId) {
    return <p>You are not part of an organization.</p>;
  }
  const { token } = await workos.widgets.createToken({
    userId: user.id,
    organizationId,
    scopes: ["widgets:users-table:manage"],
  });
  return (
    <WorkOsWidgets>
      <UsersManagement authToken={token} />
    </WorkOsWidgets>
  );
}
