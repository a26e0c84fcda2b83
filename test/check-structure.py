#!/usr/bin/env python3
"""The structure of hubspot_fdw's sources, checked (README: "How it is built").

    python3 test/check-structure.py [REPO]

Run after a build (it reads src/*.o).  Prints one line per rule, "ok N - rule"
or "not ok N - rule" followed by what breaks it, and exits 1 if any failed:

  1. calls follow the layers: every call from one file to another, read from
     the built objects (nm), is an edge of ALLOWED below;
  2. includes follow the layers: a file includes only its own header and the
     headers of the files it may call;
  3. the transport (http.c, url.c) uses no PostgreSQL header or function;
  4. every "/crm/v3" and "/crm/v4" path literal is in api.c or api_assoc.c
     (comments do not count);
  5. no source file is over MAX_FILE_LINES lines;
  6. no function is over MAX_FUNCTION_LINES lines unless LONG_FUNCTIONS
     gives the reason.
"""
import os
import re
import subprocess
import sys

REPO = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), '..'))
SRC = os.path.join(REPO, 'src')

# Which file may call which (by file name without .c).  Calls go downward
# only: the table is checked to have no cycle, and a file above may call any
# file below it that it lists.  The layers, top to bottom:
#
#   hubspot_fdw, validator          what PostgreSQL calls: handler, validator
#   import > import_columns         IMPORT FOREIGN SCHEMA, hubspot_fdw_properties()
#   scan, modify > rows             FDW callbacks; rows.c: modify.c's row checks
#   assoc_scan, assoc_modify        association tables' callbacks
#   associations                    association sets of records (inline column)
#   plan > search                   planning; search.c: search filters
#   writer                          the write pipeline
#   properties, schemas             property catalogues; custom objects
#   api (api_properties, api_assoc) every endpoint: paths, bodies, parsers (the
#                                   property catalogue's parser in a file of its own;
#                                   api_assoc.c: the v4 associations API)
#   client                          connections, retries
#   errors                          SQLSTATEs and the reporters
#   http > url                      libcurl only
#
# and the utilities, usable from above, calling nothing above themselves:
# option (option readers), convert (conversions, column kinds), statement
# (executor hooks; it calls writers back only through the function pointers
# they register), visibility, json, ratelimit (the rate-limit budgets and the
# waits made visible; it takes HsHttpRateLimit from http.h, a type only), dryrun
# (hubspot_fdw.dry_run and the requests a dry run would send; statement.c
# tells them when the statement ends), usage (what was asked of HubSpot:
# counts per user mapping, statement and node).  request.h and table.h are
# headers of types only, shared by the layers that use them, with no .c file.
ALLOWED = {
    'hubspot_fdw': {'plan', 'scan', 'modify', 'assoc_scan', 'assoc_modify', 'option',
                    'statement', 'ratelimit', 'import', 'dryrun', 'deferred', 'usage'},
    'import': {'import_columns', 'schemas', 'api', 'api_properties', 'client', 'json', 'objects'},
    'import_columns': {'api'},
    'validator': {'api', 'option', 'url', 'objects'},
    'assoc_scan': {'plan', 'associations', 'api', 'api_assoc', 'client', 'option', 'convert',
                   'json', 'usage'},
    'assoc_modify': {'deferred', 'writer', 'associations', 'api', 'api_assoc', 'option', 'convert', 'json',
                     'objects', 'dryrun', 'usage'},
    'plan': {'deferred', 'search', 'api', 'option', 'convert', 'table'},
    'scan': {'plan', 'search', 'associations', 'filter', 'properties', 'schemas', 'api', 'client',
             'errors', 'option',
             'convert', 'visibility', 'json', 'deferred_read', 'usage'},
    'search': {'filter', 'api', 'table', 'errors', 'json'},
    'filter': {'api', 'table'},
    'modify': {'deferred', 'rows', 'writer', 'properties', 'schemas', 'api', 'client', 'errors',
               'option', 'convert', 'statement', 'visibility', 'json', 'dryrun'},
    'rows': {'writer', 'properties', 'api', 'errors', 'option', 'convert', 'objects',
             'visibility', 'json'},
    # writes at COMMIT: the queue (deferred), its sending (deferred_send) and
    # what reads of the transaction see of it (deferred_read)
    'deferred_read': {'deferred', 'api', 'json', 'table'},
    'deferred': {'deferred_send', 'api', 'table', 'usage'},
    'deferred_send': {'dryrun', 'writer', 'writes', 'schemas', 'option', 'statement', 'api', 'table'},
    'writer': {'answers', 'writes', 'api', 'api_assoc', 'client', 'errors', 'option', 'convert', 'statement',
               'visibility', 'json', 'dryrun', 'usage'},
    'properties': {'api', 'api_properties', 'client', 'errors', 'option', 'convert', 'json',
                   'objects'},
    'schemas': {'api', 'client', 'errors', 'option', 'objects', 'table', 'json'},
    'api_properties': {'api', 'errors', 'json'},
    'api': {'client', 'errors', 'json', 'usage'},
    'api_assoc': {'api', 'client', 'errors', 'json', 'objects'},
    'associations': {'schemas', 'api', 'api_assoc', 'client', 'errors', 'option', 'json', 'objects',
                     'table'},
    'client': {'attempt', 'http', 'errors', 'option', 'json', 'ratelimit', 'usage'},
    'attempt': {'http', 'request'},
    'answers': {'writes', 'api', 'errors', 'statement', 'visibility', 'json'},
    'writes': {'api', 'table', 'statement'},
    'errors': {'http', 'request', 'json', 'objects'},
    'http': {'url'},
    'url': set(),
    'option': {'convert', 'request', 'url', 'objects', 'table'},
    'convert': {'table', 'json'},
    'statement': {'dryrun', 'usage'},
    'dryrun': set(),
    'ratelimit': {'http'},
    'usage': {'http', 'request'},
    'visibility': {'objects'},
    'objects': set(),
    'request': {'json'},
    'table': {'objects'},
    'json': set(),
}

# Headers that are not named after one .c file: the modules they belong to.
HEADER_MODULES = {
    'fdw.h': {'plan', 'scan', 'modify'},    # the callbacks, for hubspot_fdw.c
    'modify.h': {'rows'},           # rows.c's functions and the state they
                                    # share with modify.c, which calls them
    'assoc.h': {'assoc_scan', 'assoc_modify'},  # association tables' callbacks
    'api.h': {'api', 'api_properties'},
    'deferred.h': {'deferred', 'deferred_send', 'deferred_read'},  # writes at COMMIT     # api_properties.c: the catalogue parser
}

TRANSPORT = ['http.c', 'http.h', 'url.c', 'url.h']
MAX_FILE_LINES = 1000
MAX_FUNCTION_LINES = 80

# Functions allowed to be longer, with the reason.
LONG_FUNCTIONS = {
}

results = []


def check(name, problems):
    results.append((name, problems))


def closure(module):
    seen, todo = set(), [module]
    while todo:
        for callee in ALLOWED.get(todo.pop(), ()):
            if callee not in seen:
                seen.add(callee)
                todo.append(callee)
    return seen


def sources(ext=('.c', '.h')):
    return sorted(f for f in os.listdir(SRC) if f.endswith(ext))


def read(name):
    with open(os.path.join(SRC, name), encoding='utf-8') as f:
        return f.read()


def nm(args, obj):
    out = subprocess.run(['nm'] + args + [obj], check=True,
                         capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines() if line.strip()]


# ---------- 1. calls ----------

def check_calls():
    problems = []
    cycle = [m for m in ALLOWED if m in closure(m)]
    if cycle:
        problems.append('ALLOWED has a cycle through: ' + ', '.join(sorted(cycle)))
    modules = [f[:-2] for f in sources('.c')]
    defined, undefined = {}, {}
    for m in modules:
        obj = os.path.join(SRC, m + '.o')
        if not os.path.exists(obj):
            problems.append(f'src/{m}.o is missing: build first')
            continue
        if m not in ALLOWED:
            problems.append(f'src/{m}.c is not in ALLOWED: give its layer')
        for fields in nm(['--defined-only', '-g'], obj):
            defined.setdefault(fields[-1], m)
        undefined[m] = {fields[-1] for fields in nm(['-u'], obj)}
    for m in sorted(undefined):
        calls = {}
        for sym in undefined[m]:
            callee = defined.get(sym)
            if callee is not None and callee != m:
                calls.setdefault(callee, []).append(sym)
        for callee in sorted(calls):
            if callee not in ALLOWED.get(m, set()):
                problems.append(f'{m}.c calls {callee}.c ({", ".join(sorted(calls[callee]))}), '
                                f'which ALLOWED does not let it')
    check('calls between files follow the layers (ALLOWED)', problems)


# ---------- 2. includes ----------

def header_modules(h):
    return HEADER_MODULES.get(h, {h[:-2]})


def check_includes():
    problems = []
    own = set(sources('.h'))
    for f in sources():
        module = f[:-2]
        if f in HEADER_MODULES:
            module = sorted(HEADER_MODULES[f])[0]
        may = closure(module) | {module}
        for h in re.findall(r'^#include "([^"]+)"', read(f), re.M):
            if h not in own:
                continue
            if not header_modules(h) & may:
                problems.append(f'{f} includes {h}, a header of '
                                f'{"/".join(sorted(header_modules(h)))}, which {module} may not use')
    check('includes follow the layers', problems)


# ---------- 3. transport ----------

def pg_includedir():
    try:
        return subprocess.run([os.environ.get('PG_CONFIG', 'pg_config'), '--includedir-server'],
                              check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def check_transport():
    problems = []
    incdir = pg_includedir()
    own = set(sources('.h'))
    todo, seen = list(TRANSPORT), set()
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        for kind, h in re.findall(r'^#include ([<"])([^">]+)[">]', read(f), re.M):
            if kind == '"' and h in own:
                todo.append(h)          # judged by what it includes
            elif kind == '"' or h.startswith(('postgres', 'c.h', 'pg_')) or \
                    (incdir and os.path.exists(os.path.join(incdir, h))):
                problems.append(f'{f} includes {h}, a PostgreSQL header')
    # and the objects call nothing the server defines (palloc, errstart, ...)
    postgres = os.path.join(os.path.dirname(incdir or ''), '..', 'bin', 'postgres')
    try:
        bindir = subprocess.run([os.environ.get('PG_CONFIG', 'pg_config'), '--bindir'],
                                check=True, capture_output=True, text=True).stdout.strip()
        postgres = os.path.join(bindir, 'postgres')
        server = {fields[-1] for fields in nm(['-D', '--defined-only'], postgres)}
    except (OSError, subprocess.CalledProcessError):
        server = set()
    for f in TRANSPORT:
        obj = os.path.join(SRC, f[:-2] + '.o')
        if f.endswith('.c') and os.path.exists(obj):
            for fields in nm(['-u'], obj):
                if fields[-1] in server:
                    problems.append(f'{f} calls {fields[-1]}, a PostgreSQL function')
    check('the transport (http.c, url.c) uses no PostgreSQL header or function', problems)


# ---------- 4. /crm/v3 ----------

def strip_comments(text):
    """The text with comments blanked (newlines kept), strings kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            i = j
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c and text[j] != '\n':
                j += 2 if text[j] == '\\' else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def check_paths():
    problems = []
    for f in sources():
        if f in ('api.c', 'api_assoc.c'):
            continue
        for no, line in enumerate(strip_comments(read(f)).split('\n'), 1):
            if '/crm/v3' in line or '/crm/v4' in line:
                problems.append(f'src/{f}:{no}: {line.strip()}')
    check('"/crm/v3" and "/crm/v4" path literals only in api.c and api_assoc.c', problems)


# ---------- 5. file length ----------

def check_file_lengths():
    problems = []
    for f in sources():
        n = read(f).count('\n')
        if n > MAX_FILE_LINES:
            problems.append(f'src/{f} has {n} lines (at most {MAX_FILE_LINES})')
    check(f'no source file over {MAX_FILE_LINES} lines', problems)


# ---------- 6. function length ----------

def functions(text):
    """(name, first line, body lines) of each function definition: PostgreSQL
    style, the body between an opening and a closing brace at column 0, after
    a signature that has a parameter list."""
    lines = text.split('\n')
    found = []
    for i, line in enumerate(lines):
        if line.rstrip() != '{':
            continue
        j = i - 1                       # back to the line that starts the name
        while j >= 0 and lines[j][:1] in ('\t', ' ') and lines[j].strip():
            j -= 1
        signature = ' '.join(lines[j:i])
        if j < 0 or '(' not in signature or '=' in signature.split('(')[0] or \
                re.match(r'(typedef|struct|union|enum)\b', signature):
            continue
        name = re.search(r'(\w+)\s*\(', signature).group(1)
        end = i + 1
        while end < len(lines) and lines[end].rstrip() != '}':
            end += 1
        found.append((name, j + 1, end - i - 1))
    return found


def check_function_lengths():
    problems = []
    for f in sources('.c'):
        for name, line, n in functions(read(f)):
            if n > MAX_FUNCTION_LINES and name not in LONG_FUNCTIONS:
                problems.append(f'src/{f}:{line}: {name}() has {n} lines '
                                f'(at most {MAX_FUNCTION_LINES}, or a reason in LONG_FUNCTIONS)')
    check(f'no function over {MAX_FUNCTION_LINES} lines without a reason', problems)


def main():
    check_calls()
    check_includes()
    check_transport()
    check_paths()
    check_file_lengths()
    check_function_lengths()
    failed = 0
    for no, (name, problems) in enumerate(results, 1):
        print(f'{"not ok" if problems else "ok"} {no} - {name}')
        for p in problems:
            print(f'#   {p}')
        failed += bool(problems)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
