#!/usr/bin/env bash
# Prepares release X.Y.Z in the local clone, and pushes nothing:
#   1. sets the version in package.json (+ package-lock.json) and cli/src/version.ts, and dates the
#      CHANGELOG.md section ("## [X.Y.Z] - Unreleased", or "## [Unreleased]" which becomes X.Y.Z);
#   2. rebuilds the bundles (npm run bundle) and the generated files (npm run gen);
#   3. checks that nothing but those files changed;
#   4. commits, tags vX.Y.Z (annotated) and moves the major tag vX to that commit;
#   5. prints the git push commands. Pushing the tag starts .github/workflows/release.yml, which checks
#      the bundles once more, publishes the release and moves vX on GitHub too.
# Usage: scripts/release.sh X.Y.Z
set -euo pipefail

die() {
  echo "release: $*" >&2
  exit 1
}

version=${1:-}
semver='^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$'
[[ $version =~ $semver ]] || die "give the version as X.Y.Z (like 1.2.3), not '${version}'"
tag="v${version}"
major="v${BASH_REMATCH[1]}"

cd "$(dirname "$0")/.."
[ -z "$(git status --porcelain --untracked-files=all)" ] ||
  die "the work tree has changes: commit or stash them first (git status)"
! git rev-parse -q --verify "refs/tags/${tag}" > /dev/null || die "tag ${tag} exists already"

today=$(date -u +%Y-%m-%d)
if grep -q "^## \[${version//./\\.}\] - Unreleased\$" CHANGELOG.md; then
  sed -i "s/^## \[${version//./\\.}\] - Unreleased\$/## [${version}] - ${today}/" CHANGELOG.md
elif grep -q '^## \[Unreleased\]$' CHANGELOG.md; then
  sed -i "s/^## \[Unreleased\]\$/## [Unreleased]\n\n## [${version}] - ${today}/" CHANGELOG.md
else
  die "CHANGELOG.md has no '## [${version}] - Unreleased' or '## [Unreleased]' section to release"
fi

npm version "$version" --no-git-tag-version --allow-same-version > /dev/null
sed -i "s/^export const VERSION = '[^']*';\$/export const VERSION = '${version}';/" cli/src/version.ts
grep -q "^export const VERSION = '${version}';\$" cli/src/version.ts ||
  die "cli/src/version.ts has no line export const VERSION = '…'; to update"

npm run bundle
npm run gen

# A release changes the version, the changelog and what is generated from the sources; anything else
# changing here means the sources and the committed files disagreed.
unexpected=$(git status --porcelain --untracked-files=all | cut -c4- |
  grep -Ev '^(package\.json|package-lock\.json|cli/src/version\.ts|CHANGELOG\.md|README\.md|action-[a-z-]+/action\.yml|[^/]+/dist/.*)$' || true)
[ -z "$unexpected" ] || die "unexpected changes after bundle and gen:
${unexpected}
(the tree was clean before: git checkout -- . && git clean -fd undoes this run)"
npm run gen -- --check > /dev/null || die "npm run gen -- --check still finds stale files"

git add --all
git commit --quiet -m "Release ${tag}"
git tag --annotate "$tag" -m "indicovm ${tag}"
git tag --force "$major" "$tag^{commit}" > /dev/null

branch=$(git rev-parse --abbrev-ref HEAD)
cat << EOF
Prepared ${tag} at $(git rev-parse --short HEAD) and moved ${major} to it. Nothing was pushed.
Check the commit (git show --stat), then publish with:
  git push origin ${branch}
  git push origin ${tag}
  git push --force origin ${major}
(the release workflow also moves ${major} once its checks pass)
EOF
