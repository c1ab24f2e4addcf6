package dev.omnirollup.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.source.tree.BinaryTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.ConditionalExpressionTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.ParenthesizedTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import com.sun.source.util.Trees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The rule that keeps SQL parameterised by construction: every statement is constant text. The main sources of every
 * module are compiled here (javac with the test's class path) and every call that takes statement text is found by
 * what it calls, not by its name: Jdbi's {@code Handle} methods, JDBC's {@code Connection}/{@code Statement} and
 * pgjdbc's {@code CopyManager}. Through Jdbi, the text must be a compile-time constant (a literal, a
 * {@code static final String}, or a concatenation of those); the schemas are Jdbi defines ({@code <rollup>},
 * {@code <omni>}) and values are bound by name, so no value can become statement text. Raw JDBC is allowed only in
 * the named places below, each with its reason; an entry no longer used fails the test, so the list stays true.
 * (SecurityIT shows the same at run time, from PostgreSQL's statement log.)
 */
class ConstantSqlTest {
    /** The checkout to scan ({@code -Dsql.scan.root=<dir>} scans another, e.g. a copy with a planted mistake). */
    private static final Path ROOT = Optional.ofNullable(System.getProperty("sql.scan.root")).map(Path::of)
            .orElseGet(() -> Path.of(System.getProperty("omni-rollup.deploy.dir", ".")).getParent()).toAbsolutePath();
    private static final List<String> MODULES = List.of("rollup-store", "ingest", "query-api", "deploy", "omni-sim");
    private static final String JDBI = "org.jdbi.v3.core.Handle";
    /** Types whose methods take raw statement text. */
    private static final Set<String> RAW = Set.of("java.sql.Connection", "java.sql.Statement",
            "java.sql.PreparedStatement", "java.sql.CallableStatement", "org.postgresql.copy.CopyManager");
    /** Their methods whose first argument is statement text. */
    private static final Set<String> RAW_SINKS = Set.of("prepareStatement", "prepareCall", "execute", "executeQuery",
            "executeUpdate", "executeLargeUpdate", "addBatch", "nativeSQL", "copyIn", "copyOut");
    /** Handle methods whose first argument is statement text. */
    private static final Set<String> JDBI_SINKS = Set.of("createQuery", "createUpdate", "createScript", "createCall",
            "prepareBatch", "select", "execute");
    /**
     * Where raw JDBC stays, by class and method, and why. The text there is still built only from constants, enum
     * names and the validated schema names.
     */
    private static final Map<String, String> RAW_ALLOWED = Map.of(
            "dev.omnirollup.store.PgCopy.in",
            "COPY: Jdbi has no COPY; fresh rows of a backfilled day go in by COPY, table named by grain",
            "dev.omnirollup.store.PgCopy.inBinary",
            "COPY: Jdbi has no COPY; a backfilled day's message rows go in by binary COPY, table named by grain",
            "dev.omnirollup.store.PgCopy.out",
            "COPY: Jdbi has no COPY, and COPY takes no parameters: backfill reads a day's rows by COPY, the day's"
                    + " range as timestamp literals Backfill formats from its LocalDateTime bounds and the day number");
    /**
     * Where Jdbi runs text fixed at class initialisation, from constants or a packaged .sql resource alone (no value
     * ever reaches it),
     * by class and method, and why it is not a compile-time constant.
     */
    private static final Map<String, String> RENDERED_ALLOWED = Map.of(
            "dev.omnirollup.store.MessageRead.run",
            "five statement shapes rendered into final enum fields from the grain tables and counter columns",
            "dev.omnirollup.sim.OmniSchema.create",
            "Omni's DDL, the .sql resource deploy/sql/omni-schema.sql packaged into omni-sim; it takes no values");

    @Test
    void everyStatementIsConstantTextAndRawJdbcOnlyWhereNamed() throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<String> problems = new ArrayList<>();
        List<String> inventory = new ArrayList<>();
        Set<String> rawUsed = new TreeSet<>();
        Set<String> rendered = new TreeSet<>();
        Map<String, Integer> perModule = new TreeMap<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT,
                StandardCharsets.UTF_8)) {
            JavacTask task = (JavacTask) javac.getTask(null, files, diagnostics,
                    List.of("-proc:none", "-implicit:none", "-cp", System.getProperty("java.class.path")), null,
                    files.getJavaFileObjectsFromPaths(sources()));
            Iterable<? extends CompilationUnitTree> units = task.parse();
            task.analyze();
            List<String> errors = diagnostics.getDiagnostics().stream()
                    .filter(d -> d.getKind() == Diagnostic.Kind.ERROR).map(d -> d.toString()).toList();
            assertEquals(List.of(), errors, "the main sources compile here");
            Trees trees = Trees.instance(task);
            for (CompilationUnitTree unit : units) {
                String module = ROOT.relativize(Path.of(unit.getSourceFile().toUri())).getName(0).toString();
                new TreePathScanner<Void, Void>() {
                    @Override
                    public Void visitMethodInvocation(MethodInvocationTree call, Void unused) {
                        Element called = trees.getElement(getCurrentPath());
                        if (called instanceof ExecutableElement method && !call.getArguments().isEmpty()
                                && method.getParameters().getFirst().asType().toString().equals("java.lang.String")) {
                            String owner = ((TypeElement) method.getEnclosingElement()).getQualifiedName().toString();
                            String name = method.getSimpleName().toString();
                            String site = site(unit, call, trees) + " " + where(getCurrentPath());
                            ExpressionTree sql = call.getArguments().getFirst();
                            if (owner.equals(JDBI) && JDBI_SINKS.contains(name)) {
                                perModule.merge(module, 1, Integer::sum);
                                inventory.add(site + " " + name + "(" + abbreviate(sql) + ")");
                                if (RENDERED_ALLOWED.containsKey(where(getCurrentPath()))) {
                                    rendered.add(where(getCurrentPath()));
                                } else if (!constant(sql, trees, getCurrentPath())) {
                                    problems.add(site + ": " + name + "(" + abbreviate(sql) + ") is not constant text");
                                }
                            } else if (RAW.contains(owner) && RAW_SINKS.contains(name)) {
                                inventory.add(site + " raw " + name + "(" + abbreviate(sql) + ")");
                                if (RAW_ALLOWED.containsKey(where(getCurrentPath()))) {
                                    rawUsed.add(where(getCurrentPath()));
                                } else {
                                    problems.add(site + ": raw JDBC " + name + " outside the named places");
                                }
                            }
                        }
                        return super.visitMethodInvocation(call, unused);
                    }
                }.scan(unit, null);
            }
        }
        Path out = ROOT.resolve("deploy/target/reliability/sql-sites.txt");
        Files.createDirectories(out.getParent());
        Files.write(out, inventory);
        System.out.printf(Locale.ROOT, "sql: %d Jdbi statement sites %s, %d raw JDBC sites in %s; inventory in %s%n",
                perModule.values().stream().mapToInt(Integer::intValue).sum(), perModule, rawUsed.size(), rawUsed, out);
        assertTrue(perModule.values().stream().mapToInt(Integer::intValue).sum() > 50,
                "found the statement sites: " + inventory);
        assertEquals(List.of(), problems, "statements must be constant text, raw JDBC only where named");
        assertEquals(RAW_ALLOWED.keySet(), rawUsed, "every named place for raw JDBC still uses it");
        assertEquals(RENDERED_ALLOWED.keySet(), rendered, "every named place for rendered text still uses it");
    }

    /**
     * A compile-time constant (a literal, a constant variable, or a concatenation of those), or a choice between
     * constants.
     */
    private static boolean constant(ExpressionTree tree, Trees trees, TreePath parent) {
        TreePath path = new TreePath(parent, tree);
        return switch (tree) {
            case LiteralTree literal -> literal.getValue() instanceof String;
            case ParenthesizedTree paren -> constant(paren.getExpression(), trees, path);
            case ConditionalExpressionTree choice -> constant(choice.getTrueExpression(), trees, path)
                    && constant(choice.getFalseExpression(), trees, path);
            case BinaryTree binary when binary.getKind() == Tree.Kind.PLUS ->
                    constant(binary.getLeftOperand(), trees, path) && constant(binary.getRightOperand(), trees, path);
            default -> trees.getElement(path) instanceof VariableElement variable
                    && variable.getConstantValue() != null;
        };
    }

    /** {@code package.Class.method} of the code at {@code path}. */
    private static String where(TreePath path) {
        String method = "?";
        for (TreePath p = path; p != null; p = p.getParentPath()) {
            if (p.getLeaf() instanceof MethodTree m && method.equals("?")) {
                method = m.getName().toString();
            }
            if (p.getLeaf() instanceof ClassTree c && !c.getSimpleName().isEmpty()) {
                return p.getCompilationUnit().getPackageName() + "." + c.getSimpleName() + "." + method;
            }
        }
        return method;
    }

    private static String site(CompilationUnitTree unit, Tree tree, Trees trees) {
        long position = trees.getSourcePositions().getStartPosition(unit, tree);
        return ROOT.relativize(Path.of(unit.getSourceFile().toUri())) + ":" + unit.getLineMap().getLineNumber(position);
    }

    private static String abbreviate(ExpressionTree sql) {
        String text = sql.toString().replaceAll("\\s+", " ");
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }

    private static List<Path> sources() throws IOException {
        List<Path> sources = new ArrayList<>();
        for (String module : MODULES) {
            try (Stream<Path> walk = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
                walk.filter(p -> p.toString().endsWith(".java")).forEach(sources::add);
            }
        }
        return sources;
    }
}
