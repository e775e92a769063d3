import * as assert from 'node:assert/strict';
import { importsSupported, normalizePath, parseImports, resolveImport } from '../../../../src/completion/repoContext/imports';

suite('repoContext imports', () => {
  suite('parse', () => {
    test('TypeScript: named, default, namespace, type, re-export, side effect, require and dynamic import', () => {
      const text = [
        "import Default, { Cart, total as sum, type Item } from './cart';",
        "import * as util from '../util/index.js';",
        'import {',
        '  Multi,',
        '  Line,',
        "} from './multi';",
        "import type { Shape } from './shapes';",
        "export { reexported } from './re';",
        "import './side-effect';",
        "const { readFile } = require('./fsutil');",
        "const lazy = import('./lazy');",
        "import React from 'react';",
      ].join('\n');
      const imports = parseImports(text, 'typescript');
      assert.deepEqual(
        imports.map((i) => [i.specifier, [...i.names].sort(), i.line, i.system === true]),
        [
          ['./cart', ['Cart', 'Default', 'Item', 'total'], 0, false],
          ['../util/index.js', [], 1, false],
          ['./multi', ['Line', 'Multi'], 2, false],
          ['./shapes', ['Shape'], 6, false],
          ['./re', ['reexported'], 7, false],
          ['./side-effect', [], 8, false],
          ['./fsutil', ['readFile'], 9, false],
          ['./lazy', [], 10, false],
          ['react', ['React'], 11, true],
        ],
      );
    });

    test('Python: from-import (with parentheses and aliases), relative and plain imports', () => {
      const text = ['import os, json as j', 'from .models import User, Order as O', 'from ..core.db import (', '    connect,', '    Session,  # the session', ')', 'from . import helpers', 'import app.services.billing'].join('\n');
      const imports = parsePy(text);
      assert.deepEqual(imports, [
        ['os', []],
        ['json', []],
        ['.models', ['User', 'Order']],
        ['..core.db', ['connect', 'Session']],
        ['.', ['helpers']],
        ['app.services.billing', []],
      ]);
    });

    test('Go: single imports and import blocks, with aliases; the standard library is marked', () => {
      const text = ['package main', '', 'import "fmt"', 'import (', '\t"strings"', '\tdb "github.com/acme/shop/internal/db"', ')'].join('\n');
      const imports = parseImports(text, 'go');
      assert.deepEqual(
        imports.map((i) => [i.specifier, i.line, i.system === true]),
        [
          ['fmt', 2, true],
          ['strings', 4, true],
          ['github.com/acme/shop/internal/db', 5, false],
        ],
      );
    });

    test('Rust: use with braces, nested paths, mod declarations; external crates are marked', () => {
      const text = ['use std::collections::HashMap;', 'use crate::cart::{Cart, Item as CartItem};', 'use super::util::round;', 'pub mod pricing;', 'use serde::Serialize;'].join('\n');
      const imports = parseImports(text, 'rust');
      assert.deepEqual(
        imports.map((i) => [i.specifier, i.names, i.system === true]),
        [
          ['std::collections', ['HashMap'], true],
          ['crate::cart', ['Cart', 'Item'], false],
          ['super::util', ['round'], false],
          ['self::pricing', [], false],
          ['serde', ['Serialize'], true],
        ],
      );
    });

    test('Java: class, static and wildcard imports; the JDK is marked', () => {
      const text = ['package com.shop;', 'import java.util.List;', 'import com.shop.model.Cart;', 'import static com.shop.util.Money.round;', 'import com.shop.service.*;'].join('\n');
      const imports = parseImports(text, 'java');
      assert.deepEqual(
        imports.map((i) => [i.specifier, i.names, i.system === true]),
        [
          ['java.util.List', ['List'], true],
          ['com.shop.model.Cart', ['Cart'], false],
          ['com.shop.util.Money.round', [], false],
          ['com.shop.service.*', [], false],
        ],
      );
    });

    test('C/C++: quoted includes are local, angle includes are system', () => {
      const imports = parseImports('#include <stdio.h>\n#include "cart.h"\n  #  include "util/money.hpp"\n', 'cpp');
      assert.deepEqual(
        imports.map((i) => [i.specifier, i.system === true]),
        [
          ['stdio.h', true],
          ['cart.h', false],
          ['util/money.hpp', false],
        ],
      );
    });

    test('unknown languages give nothing', () => {
      assert.deepEqual(parseImports('import x from "./y"', 'plaintext'), []);
      assert.equal(importsSupported('plaintext'), false);
      assert.equal(importsSupported('typescriptreact'), true);
    });
  });

  suite('resolve', () => {
    const first = (spec: string, current: string, languageId: string, names: string[] = []): ReturnType<typeof resolveImport> =>
      resolveImport({ specifier: spec, names, line: 0, ...(/^[./]/.test(spec) || ['c', 'cpp', 'python', 'rust', 'java'].includes(languageId) ? {} : { system: true }) }, current, languageId);

    test('TypeScript: relative paths with extensions and index files; `.js` written for `.ts`; packages give nothing', () => {
      assert.deepEqual(first('./cart', 'src/app.ts', 'typescript').paths.slice(0, 2), ['src/cart.ts', 'src/cart.tsx']);
      assert.ok(first('./cart', 'src/app.ts', 'typescript').paths.includes('src/cart/index.ts'));
      assert.equal(first('../lib/money.js', 'src/ui/app.ts', 'typescript').paths[0], 'src/lib/money.ts');
      assert.ok(first('../lib/money.js', 'src/ui/app.ts', 'typescript').paths.includes('src/lib/money.js'));
      assert.deepEqual(first('react', 'src/app.ts', 'typescript').paths, []);
      assert.deepEqual(first('../../../x', 'src/app.ts', 'typescript').paths, []);
    });

    test('Python: relative modules climb one package per extra dot; absolute ones are tried from the root, beside the file and under src/', () => {
      assert.deepEqual(first('.models', 'app/views.py', 'python').paths, ['app/models.py', 'app/models/__init__.py']);
      assert.deepEqual(first('..core.db', 'app/api/views.py', 'python').paths, ['app/core/db.py', 'app/core/db/__init__.py']);
      assert.ok(first('.', 'app/views.py', 'python', ['helpers']).paths.includes('app/helpers.py'));
      const absolute = first('app.services.billing', 'app/views.py', 'python');
      assert.equal(absolute.paths[0], 'app/services/billing.py');
      assert.ok(absolute.paths.includes('src/app/services/billing.py'));
      assert.ok(absolute.suffixes.includes('app/services/billing.py'));
    });

    test('Go: the package directory by the ending of its import path', () => {
      const r = resolveImport({ specifier: 'github.com/acme/shop/internal/db', names: [], line: 0 }, 'cmd/main.go', 'go');
      assert.deepEqual(r.directorySuffixes, ['internal/db', 'db']);
    });

    test('Rust: crate paths under src/, module or item; mod declarations beside the file or under its folder', () => {
      const r = resolveImport({ specifier: 'crate::shop::cart', names: ['Cart'], line: 0 }, 'src/main.rs', 'rust');
      assert.deepEqual(r.paths.slice(0, 4), ['src/shop/cart.rs', 'src/shop/cart/mod.rs', 'src/shop.rs', 'src/shop/mod.rs']);
      assert.deepEqual(resolveImport({ specifier: 'self::pricing', names: [], line: 0 }, 'src/lib.rs', 'rust').paths.slice(0, 1), ['src/pricing.rs']);
      assert.deepEqual(resolveImport({ specifier: 'self::pricing', names: [], line: 0 }, 'src/shop.rs', 'rust').paths.slice(0, 1), ['src/shop/pricing.rs']);
    });

    test('Java: the class file anywhere by its package path; wildcards name a directory', () => {
      assert.deepEqual(first('com.shop.model.Cart', 'src/main/java/com/shop/App.java', 'java').suffixes, ['com/shop/model/Cart.java', 'com/shop/model.java']);
      assert.deepEqual(first('com.shop.service.*', 'App.java', 'java').directorySuffixes, ['com/shop/service']);
    });

    test('C: beside the file, from the root, include/ and src/, or anywhere by its ending', () => {
      const r = first('cart.h', 'src/main.c', 'c');
      assert.deepEqual(r.paths, ['src/cart.h', 'cart.h', 'include/cart.h']);
      assert.deepEqual(r.suffixes, ['cart.h']);
    });

    test('normalizePath folds . and .. and refuses to climb above the root', () => {
      assert.equal(normalizePath('a/./b/../c'), 'a/c');
      assert.equal(normalizePath('../x'), undefined);
    });
  });
});

function parsePy(text: string): [string, string[]][] {
  return parseImports(text, 'python').map((i) => [i.specifier, [...i.names]]);
}
