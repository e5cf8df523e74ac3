// Runs the browser bundle (bundle.js, made by esbuild from browser-entry.mjs): it must load with
// no Node built-in and decode.
const { result } = await import("./bundle.js");
console.log(`bundle: ${await result}`);
