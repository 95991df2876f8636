import ts from 'typescript';

/**
 * A syntax-only scan of source files for the error codes they raise, so `npm test` (which does not typecheck)
 * still fails on an unregistered code. Code positions are: the `code` argument of `new C(...)` and `super(...)` for
 * every class that extends `LateIndexError` (or its default), arguments and defaults of parameters typed
 * `ErrorCode`, initialisers of variables typed `ErrorCode` and return values of functions returning `ErrorCode`.
 */
export interface SourceText {
  readonly file: string;
  readonly text: string;
}

export interface CodeUse {
  readonly code: string;
  /** `file:line`. */
  readonly at: string;
}

export interface CodeScan {
  /** Every literal code found in a code position. */
  readonly uses: readonly CodeUse[];
  /** Code expressions that are neither a literal, a name typed `ErrorCode` nor a pass-through `x.code`. */
  readonly untyped: readonly string[];
  /** Error classes whose `code` constructor parameter is not typed `ErrorCode`. */
  readonly untypedParameters: readonly string[];
  /** Classes that extend `LateIndexError`, directly or not (itself included). */
  readonly errorClasses: readonly string[];
  /** `new` expressions of error classes seen. */
  readonly constructions: number;
}

const CODE_TYPE = 'ErrorCode';
const ROOT_CLASS = 'LateIndexError';

interface CodeParameter {
  readonly index: number;
  readonly defaultCode?: string;
  readonly typed: boolean;
}

interface ClassInfo {
  readonly parent?: string;
  /** Undefined when the class declares no constructor (it inherits its parent's). */
  readonly codeParameter?: CodeParameter | null;
}

export function scanErrorCodes(sources: readonly SourceText[]): CodeScan {
  const files = sources.map(({ file, text }) => ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true));
  const classes = new Map<string, ClassInfo>();
  const codeFunctions = new Map<string, CodeParameter[]>();
  const uses: CodeUse[] = [];
  const untyped: string[] = [];
  const at = (node: ts.Node): string => {
    const sf = node.getSourceFile();
    return `${sf.fileName}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  };
  const typedNames = new Map<ts.SourceFile, Set<string>>();

  // Pass 1: error classes, functions with ErrorCode parameters, variables typed ErrorCode.
  for (const sf of files) {
    const names = new Set<string>();
    typedNames.set(sf, names);
    const visit = (node: ts.Node): void => {
      if (ts.isClassDeclaration(node) && node.name) {
        const parent = node.heritageClauses
          ?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)
          ?.types[0]?.expression.getText();
        const ctor = node.members.find(ts.isConstructorDeclaration);
        classes.set(node.name.text, { parent, codeParameter: ctor ? (codeParameterOf(ctor.parameters) ?? null) : undefined });
      }
      if (ts.isVariableDeclaration(node) && node.type?.getText() === CODE_TYPE && ts.isIdentifier(node.name)) names.add(node.name.text);
      const fn = functionName(node);
      if (fn !== undefined && (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node))) {
        const params = node.parameters.flatMap((p, index) => (p.type?.getText() === CODE_TYPE ? [{ index, typed: true, ...defaultOf(p) }] : []));
        if (params.length > 0) codeFunctions.set(fn, params);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }

  const isErrorClass = (name: string): boolean => {
    for (let current: string | undefined = name, depth = 0; current && depth < 20; depth++) {
      if (current === ROOT_CLASS) return true;
      current = classes.get(current)?.parent;
    }
    return false;
  };
  const codeParameterOfClass = (name: string): CodeParameter | undefined => {
    for (let current: string | undefined = name; current; current = classes.get(current)?.parent) {
      const info = classes.get(current);
      if (info?.codeParameter !== undefined) return info.codeParameter ?? undefined;
    }
    return undefined;
  };
  const errorClasses = [...classes.keys()].filter(isErrorClass).sort();
  const untypedParameters = errorClasses.filter((name) => {
    const own = classes.get(name)!.codeParameter;
    return own !== undefined && own !== null && !own.typed;
  });

  const collect = (expr: ts.Expression, names: Set<string>): void => {
    if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) uses.push({ code: expr.text, at: at(expr) });
    else if (ts.isConditionalExpression(expr)) {
      collect(expr.whenTrue, names);
      collect(expr.whenFalse, names);
    } else if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isSatisfiesExpression(expr)) collect(expr.expression, names);
    else if (ts.isIdentifier(expr) && isTypedName(expr, names)) return;
    else if (ts.isPropertyAccessExpression(expr) && expr.name.text === 'code') return;
    else untyped.push(`${at(expr)}: ${expr.getText()}`);
  };
  const useArgument = (args: readonly ts.Expression[], parameter: CodeParameter, call: ts.Node, names: Set<string>): void => {
    const arg = args[parameter.index];
    if (arg) collect(arg, names);
    else if (parameter.defaultCode !== undefined) uses.push({ code: parameter.defaultCode, at: at(call) });
  };

  // Pass 2: code positions.
  let constructions = 0;
  for (const sf of files) {
    const names = typedNames.get(sf)!;
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && isErrorClass(node.expression.text)) {
        constructions++;
        const parameter = codeParameterOfClass(node.expression.text);
        if (parameter) useArgument(node.arguments ?? [], parameter, node, names);
      } else if (ts.isCallExpression(node)) {
        const callee = node.expression;
        if (callee.kind === ts.SyntaxKind.SuperKeyword) {
          const cls = enclosingClass(node);
          const parent = cls ? classes.get(cls)?.parent : undefined;
          const parameter = parent && isErrorClass(parent) ? codeParameterOfClass(parent) : undefined;
          if (parameter) useArgument(node.arguments, parameter, node, names);
        } else {
          const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
          for (const parameter of (name && codeFunctions.get(name)) || []) useArgument(node.arguments, parameter, node, names);
        }
      } else if (ts.isVariableDeclaration(node) && node.type?.getText() === CODE_TYPE && node.initializer) {
        collect(node.initializer, names);
      } else if (ts.isReturnStatement(node) && node.expression && returnsCode(node)) {
        collect(node.expression, names);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { uses, untyped, untypedParameters, errorClasses, constructions };
}

function codeParameterOf(parameters: ts.NodeArray<ts.ParameterDeclaration>): CodeParameter | undefined {
  const index = parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === 'code');
  if (index < 0) return undefined;
  const parameter = parameters[index]!;
  return { index, typed: parameter.type?.getText() === CODE_TYPE, ...defaultOf(parameter) };
}

function defaultOf(parameter: ts.ParameterDeclaration): { defaultCode?: string } {
  const init = parameter.initializer;
  return init && ts.isStringLiteral(init) ? { defaultCode: init.text } : {};
}

function functionName(node: ts.Node): string | undefined {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name && ts.isIdentifier(node.name)) return node.name.text;
  if ((ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name)) {
    return node.parent.name.text;
  }
  return undefined;
}

function enclosingClass(node: ts.Node): string | undefined {
  for (let current: ts.Node | undefined = node.parent; current; current = current.parent) {
    if (ts.isClassDeclaration(current)) return current.name?.text;
  }
  return undefined;
}

/** Whether `name` is a parameter of an enclosing function typed ErrorCode, or else a variable typed ErrorCode. */
function isTypedName(name: ts.Identifier, variables: Set<string>): boolean {
  for (let current: ts.Node | undefined = name.parent; current; current = current.parent) {
    if (!ts.isFunctionLike(current)) continue;
    const parameter = current.parameters.find((p) => ts.isIdentifier(p.name) && p.name.text === name.text);
    if (parameter) return parameter.type?.getText() === CODE_TYPE;
  }
  return variables.has(name.text);
}

function returnsCode(node: ts.ReturnStatement): boolean {
  for (let current: ts.Node | undefined = node.parent; current; current = current.parent) {
    if (ts.isFunctionLike(current)) return current.type?.getText() === CODE_TYPE;
  }
  return false;
}
