export function isEnabled(flag: string): boolean {
  return process.env[`FLAG_${flag.toUpperCase()}`] === "on";
}
