// Checks a Teams app manifest (the path given) against the schema of its manifestVersion as
// @microsoft/app-manifest ships it (never a download), and with the package's typed converter.
// Prints {"failures": [...]}; an empty list means the manifest is valid.
const fs = require("fs");
const path = require("path");
const { AppManifestUtils, TeamsManifestConverter } = require("@microsoft/app-manifest");

const SCHEMAS = path.join(path.dirname(require.resolve("@microsoft/app-manifest")), "json-schemas");

async function failures(text) {
  const manifest = JSON.parse(text);
  const version = manifest.manifestVersion;
  const file = path.join(SCHEMAS, "teams", `v${version}`, "MicrosoftTeams.schema.json");
  if (!fs.existsSync(file)) {
    return [`no schema for manifestVersion ${version} in @microsoft/app-manifest`];
  }
  const found = [];
  const url = `https://developer.microsoft.com/en-us/json-schemas/teams/v${version}/MicrosoftTeams.schema.json`;
  if (manifest.$schema !== url && manifest.$schema !== url.replace("/en-us", "")) {
    found.push(`$schema ${manifest.$schema} is not the schema of version ${version}`);
  }
  const schema = JSON.parse(fs.readFileSync(file, "utf8"));
  found.push(...await AppManifestUtils.validateAgainstSchema(manifest, schema));
  try {
    TeamsManifestConverter.jsonToManifest(text);
  } catch (problem) {
    found.push(`type check: ${problem.message}`);
  }
  return found;
}

failures(fs.readFileSync(process.argv[2], "utf8")).then((found) => {
  process.stdout.write(JSON.stringify({ failures: found }));
});
