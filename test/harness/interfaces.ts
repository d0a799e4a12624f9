import * as path from 'path';
import * as ts from 'typescript';

/** The members of an interface (and the interfaces it extends) in a source file of the library. */
export function interfaceMembers(file: string, name: string): string[] {
  const program = ts.createProgram([path.join(__dirname, '../../src', file)], { target: ts.ScriptTarget.ES2020 });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(path.join(__dirname, '../../src', file))!;
  let members: string[] = [];
  ts.forEachChild(source, (node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === name) {
      members = checker.getPropertiesOfType(checker.getTypeAtLocation(node)).map((p) => p.name);
    }
  });
  return members.sort();
}
