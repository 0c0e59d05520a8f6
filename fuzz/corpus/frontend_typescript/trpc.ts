import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { auth } from "../auth/server";
import { protectedProcedure, requireOrgAdmin } from "../trpc";

const ROLES = ["basic_member", "admin"];

export const createWorkspace = protectedProcedure
  .input(z.object({ name: z.string() }))
  .mutation(async ({ ctx, input }) => {
    const userId = ctx.user.id;
    return auth.createTenant({ name: input.name, userId });
  });

export const updateMembership = protectedProcedure
  .use(requireOrgAdmin)
  .input(z.object({ membershipId: z.string(), userId: z.string(), role: z.string(), orgId: z.string() }))
  .mutation(async ({ ctx, input }) => {
    if (!ROLES.includes(input.role)) {
      throw new TRPCError({ code: "BAD_REQUEST" });
    }
    if (input.userId === ctx.user.id) {
      throw new TRPCError({ code: "BAD_REQUEST", message: "cannot change your own role" });
    }
    return auth.updateMembership({
      membershipId: input.membershipId,
      role: input.role,
      orgId: input.orgId,
    });
  });

export const inviteMember = protectedProcedure
  .use(requireOrgAdmin)
  .input(
    z.object({
      email: z.string().email(),
      orgId: z.string(),
      role: z.enum(["basic_member", "admin"]).default("basic_member"),
    }),
  )
  .mutation(async ({ ctx, input }) => {
    return auth.inviteMember({
      email: input.email,
      orgId: input.orgId,
      role: input.role,
      inviterId: ctx.user.id,
    });
  });
