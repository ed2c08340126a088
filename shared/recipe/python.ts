import { assignments, quote } from '../shell/quote.js';
import type { RecipeContext } from './context.js';
import { WHEELHOUSE_DIR, WHEELHOUSE_FUNCTIONS, wheelhouseReady } from './wheelhouse.js';

/**
 * Where the Python 3.12 of the Indico venv comes from, as shell text for the provisioning script:
 * the distribution's when it has one Indico 3.3 accepts (>=3.12.2,<3.13: EL 9, Ubuntu 24.04), else
 * one that uv installs under the install dir (Debian 12/13, Ubuntu 22.04; Indico's guide uses pyenv).
 * uv itself comes from pip (so the pip index options reach it); the interpreter it downloads comes
 * from UV_PYTHON_INSTALL_MIRROR when python-install-mirror is given.
 *
 * Needs INSTALL_DIR and INDICO_USER set and the library's note/die; defines as_indico and sets PYTHON.
 */

/** pip reads its index, extra index and find-links from the environment: one place for every pip call. */
function pipEnvironment(ctx: RecipeContext): string {
  const o = ctx.options;
  const pipEnv: Record<string, string> = { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' };
  if (o.pipIndexUrl !== undefined) pipEnv.PIP_INDEX_URL = o.pipIndexUrl;
  if (o.pipExtraIndexUrl !== undefined) pipEnv.PIP_EXTRA_INDEX_URL = o.pipExtraIndexUrl;
  const findLinks = o.pythonWheelhouse !== undefined ? WHEELHOUSE_DIR : o.pipFindLinks;
  if (findLinks !== undefined) pipEnv.PIP_FIND_LINKS = findLinks;
  // A wheel folder without an index is an air-gapped site: asking the default index would only hang.
  if (findLinks !== undefined && o.pipIndexUrl === undefined && o.pipExtraIndexUrl === undefined) {
    pipEnv.PIP_NO_INDEX = '1';
  }
  return assignments(pipEnv);
}

function uvEnvironment(ctx: RecipeContext): string {
  const uvEnv: Record<string, string> = {};
  if (ctx.options.pythonInstallMirror !== undefined) {
    uvEnv.UV_PYTHON_INSTALL_MIRROR = ctx.options.pythonInstallMirror;
  }
  return assignments(uvEnv);
}

export function pythonSelection(ctx: RecipeContext): string {
  const uvEnv = uvEnvironment(ctx);
  const wheelhouse = ctx.options.pythonWheelhouse;
  return `${wheelhouse !== undefined ? `${WHEELHOUSE_FUNCTIONS}${wheelhouseReady(wheelhouse)}` : ''}PYTHON_VERSION=${quote(ctx.options.pythonVersion)}
as_indico() {
  runuser -u "$INDICO_USER" -- env HOME="$INSTALL_DIR" ${pipEnvironment(ctx)} "$@"
}
python_ok() {
  "$1" -c 'import sys; v = sys.version_info[:3]; sys.exit(not ((3, 12, 2) <= v < (3, 13)))' 2>/dev/null
}
PYTHON=
case "$PYTHON_VERSION" in
  3.12)
    for candidate in python3.12 python3; do
      found=$(command -v "$candidate" 2>/dev/null) || continue
      if python_ok "$found"; then PYTHON=$found; break; fi
    done
    ;;
esac
if [ -z "$PYTHON" ]; then
  if [ ! -x "$INSTALL_DIR/.uv/bin/uv" ]; then
    as_indico python3 -m venv "$INSTALL_DIR/.uv"
    as_indico "$INSTALL_DIR/.uv/bin/pip" install -q uv
  fi
  # only-managed: a distribution's python3.12 that Indico refuses (3.12.0/3.12.1) must not be "found".
  as_indico env UV_PYTHON_INSTALL_DIR="$INSTALL_DIR/.python" UV_PYTHON_PREFERENCE=only-managed ${uvEnv ? `${uvEnv} ` : ''}"$INSTALL_DIR/.uv/bin/uv" python install "$PYTHON_VERSION"
  PYTHON=$(as_indico env UV_PYTHON_INSTALL_DIR="$INSTALL_DIR/.python" UV_PYTHON_PREFERENCE=only-managed "$INSTALL_DIR/.uv/bin/uv" python find "$PYTHON_VERSION")
fi
python_ok "$PYTHON" || die "$PYTHON is not a Python Indico 3.3 accepts (>=3.12.2,<3.13)"
note "Python: $PYTHON ($("$PYTHON" -V 2>&1))"
`;
}
