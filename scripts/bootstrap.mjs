// Makes `npm test` and `npm run bench` work on a fresh clone: installs pnpm (if missing) and the
// workspace's dev dependencies (if missing or older than the lockfile). Nothing runs at import time
// of any package; this only prepares the dev tools.
import { execSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const PNPM_VERSION = "10.34.0";

function has(command) {
  try {
    execSync(`${command} --version`, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function installed() {
  const marker = join(root, "node_modules", ".modules.yaml");
  const lock = join(root, "pnpm-lock.yaml");
  if (!existsSync(marker)) return false;
  if (!existsSync(lock)) return true;
  return statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
}

if (!installed()) {
  if (!has("pnpm")) {
    console.log(`bootstrap: installing pnpm@${PNPM_VERSION} with npm`);
    execSync(`npm install --global pnpm@${PNPM_VERSION}`, { stdio: "inherit" });
  }
  const frozen = existsSync(join(root, "pnpm-lock.yaml")) ? " --frozen-lockfile" : "";
  console.log(`bootstrap: pnpm install${frozen}`);
  execSync(`pnpm install${frozen}`, { stdio: "inherit", cwd: root });
}
