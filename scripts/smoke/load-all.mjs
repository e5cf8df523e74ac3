// Every entry point of every installed package loads and exports something: a missing dist file, a
// dependency left out of the manifest or an export map pointing nowhere fails here (Node and Bun).
import { readFileSync } from "node:fs";

const { dependencies } = JSON.parse(readFileSync("package.json", "utf8"));
const loaded = [];
for (const name of Object.keys(dependencies)) {
  const manifest = JSON.parse(readFileSync(`node_modules/${name}/package.json`, "utf8"));
  for (const subpath of Object.keys(manifest.exports ?? { ".": null })) {
    const specifier = subpath === "." ? name : `${name}/${subpath.slice(2)}`;
    const module = await import(specifier);
    if (Object.keys(module).length === 0) throw new Error(`smoke: ${specifier} exports nothing`);
    loaded.push(specifier);
  }
}
console.log(`loaded ${loaded.join(", ")}`);
