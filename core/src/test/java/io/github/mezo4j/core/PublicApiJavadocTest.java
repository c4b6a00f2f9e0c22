package io.github.mezo4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.source.doctree.DocCommentTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.ModifiersTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.lang.model.element.Modifier;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.JavaFileObject.Kind;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * Every public or protected type, method, constructor and field of the library modules has a
 * Javadoc comment. The build's javadoc runs doclint without its {@code missing} group (which would
 * also demand an {@code @param} and {@code @return} for every parameter); this test keeps the half
 * of that group that matters: nothing public goes undocumented.
 */
class PublicApiJavadocTest {
  /** The modules whose Javadoc is the API; bench holds JMH benchmarks, not API. */
  private static final List<String> MODULES =
      List.of("core", "tokenizers", "nn", "train", "cli", "spark", "examples");

  @Test
  void everyPublicElementHasAJavadocComment() throws IOException {
    Path root = projectRoot();
    List<Path> sources = new ArrayList<>();
    for (String module : MODULES) {
      Path dir = root.resolve(module).resolve("src/main/java");
      assertTrue(Files.isDirectory(dir), "no source folder " + dir);
      try (Stream<Path> files = Files.walk(dir)) {
        files
            .filter(p -> p.toString().endsWith(".java"))
            .filter(p -> !p.getFileName().toString().equals("package-info.java"))
            .forEach(sources::add);
      }
    }
    assertTrue(
        sources.size() > 100, "found only " + sources.size() + " source files under " + root);

    List<String> undocumented;
    try (StandardJavaFileManager files = JAVAC.getStandardFileManager(null, null, null)) {
      undocumented = undocumented(files, files.getJavaFileObjectsFromPaths(sources));
    }
    assertTrue(
        undocumented.isEmpty(),
        "public elements without a Javadoc comment:\n" + String.join("\n", undocumented));
  }

  @Test
  void findsEveryKindOfUndocumentedPublicElement() throws IOException {
    String source =
        """
        package p;
        /** Documented. */
        public class A {
          public A() {}
          /** Documented. */
          public int documented;
          public static final int CONSTANT = 1;
          int packagePrivate;
          private void hidden() {}
          protected void inherited() {}
          /**
           * @param x only a tag
           */
          public void onlyTags(int x) {}
          @Override
          public String toString() { return ""; }
          /** Documented. */
          public interface I { void implicitlyPublic(); }
          /** Documented. */
          public enum E { CONSTANT_OF_E; int field; }
          /** Documented. */
          public record R(int x) { public R {} @Override public int x() { return x; } }
          private static class Hidden { public void notApi() {} }
          public static class Nested {}
        }
        """;
    List<String> found;
    try (StandardJavaFileManager files = JAVAC.getStandardFileManager(null, null, null)) {
      found =
          undocumented(
              files,
              List.of(
                  new SimpleJavaFileObject(URI.create("string:///p/A.java"), Kind.SOURCE) {
                    @Override
                    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                      return source;
                    }
                  }));
    }
    assertEquals(
        List.of(
            "constructor",
            "CONSTANT",
            "inherited()",
            "onlyTags() (only block tags, no description)",
            "implicitlyPublic()",
            "CONSTANT_OF_E",
            "constructor",
            "x()",
            "Nested",
            "default constructor of Nested"),
        found.stream().map(f -> f.substring(f.lastIndexOf(": ") + 2)).toList());
  }

  private static final JavaCompiler JAVAC = ToolProvider.getSystemJavaCompiler();

  /** "file:line: element" for every undocumented public element of {@code sources}. */
  private static List<String> undocumented(
      StandardJavaFileManager files, Iterable<? extends JavaFileObject> sources)
      throws IOException {
    JavacTask task =
        (JavacTask) JAVAC.getTask(null, files, null, List.of("-proc:none"), null, sources);
    DocTrees docs = DocTrees.instance(task);
    List<String> out = new ArrayList<>();
    for (CompilationUnitTree unit : task.parse()) {
      new Undocumented(docs, out).scan(unit, null);
    }
    return out;
  }

  private static Path projectRoot() {
    String root = System.getProperty("mezo4j.root");
    Path dir = root != null && !root.isBlank() ? Path.of(root) : Path.of("..");
    return dir.toAbsolutePath().normalize();
  }

  /** Collects the public elements whose enclosing types are all public, and lack a comment. */
  private static final class Undocumented extends TreePathScanner<Void, Void> {
    private final DocTrees docs;
    private final List<String> out;

    Undocumented(DocTrees docs, List<String> out) {
      this.docs = docs;
      this.out = out;
    }

    @Override
    public Void visitClass(ClassTree type, Void unused) {
      if (!exported(type.getModifiers())) {
        return null; // nothing inside a hidden type is API
      }
      require(type.getSimpleName().toString());
      boolean hasConstructor =
          type.getMembers().stream()
              .anyMatch(
                  m -> m instanceof MethodTree method && method.getName().contentEquals("<init>"));
      if (type.getKind() == Tree.Kind.CLASS && !hasConstructor) {
        report("default constructor of " + type.getSimpleName());
      }
      return super.visitClass(type, null);
    }

    @Override
    public Void visitMethod(MethodTree method, Void unused) {
      boolean overrides =
          method.getModifiers().getAnnotations().stream()
              .anyMatch(a -> a.getAnnotationType().toString().equals("Override"));
      if (exported(method.getModifiers()) && (!overrides || recordAccessor(method))) {
        String name = method.getName().toString();
        require(name.equals("<init>") ? "constructor" : name + "()");
      }
      return null; // local classes are not API
    }

    @Override
    public Void visitVariable(VariableTree field, Void unused) {
      if (exported(field.getModifiers())) {
        require(field.getName().toString());
      }
      return null;
    }

    /**
     * Public, protected, or implicitly public as a member of an interface (the parser marks enum
     * constants public itself).
     */
    private boolean exported(ModifiersTree modifiers) {
      var flags = modifiers.getFlags();
      if (flags.contains(Modifier.PUBLIC) || flags.contains(Modifier.PROTECTED)) {
        return true;
      }
      return !flags.contains(Modifier.PRIVATE)
          && getCurrentPath().getParentPath().getLeaf() instanceof ClassTree owner
          && (owner.getKind() == Tree.Kind.INTERFACE
              || owner.getKind() == Tree.Kind.ANNOTATION_TYPE);
    }

    /** An accessor written out in a record does not inherit the component's {@code @param}. */
    private boolean recordAccessor(MethodTree method) {
      return getCurrentPath().getParentPath().getLeaf() instanceof ClassTree owner
          && owner.getKind() == Tree.Kind.RECORD
          && method.getParameters().isEmpty()
          && owner.getMembers().stream()
              .anyMatch(
                  m ->
                      m instanceof VariableTree component
                          && component.getName().contentEquals(method.getName()));
    }

    private void require(String what) {
      DocCommentTree comment = docs.getDocCommentTree(getCurrentPath());
      if (comment == null) {
        report(what);
      } else if (comment.getFullBody().isEmpty()) {
        report(what + " (only block tags, no description)");
      }
    }

    private void report(String what) {
      TreePath path = getCurrentPath();
      CompilationUnitTree unit = path.getCompilationUnit();
      long line =
          unit.getLineMap()
              .getLineNumber(docs.getSourcePositions().getStartPosition(unit, path.getLeaf()));
      out.add(unit.getSourceFile().getName() + ":" + line + ": " + what);
    }
  }
}
