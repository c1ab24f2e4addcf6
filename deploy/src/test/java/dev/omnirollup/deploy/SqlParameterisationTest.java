package dev.omnirollup.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.source.tree.AssignmentTree;
import com.sun.source.tree.BinaryTree;
import com.sun.source.tree.BlockTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.CompoundAssignmentTree;
import com.sun.source.tree.ConditionalExpressionTree;
import com.sun.source.tree.EnhancedForLoopTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.ForLoopTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.LambdaExpressionTree;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.NewClassTree;
import com.sun.source.tree.ParenthesizedTree;
import com.sun.source.tree.ReturnTree;
import com.sun.source.tree.StatementTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.TryTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import com.sun.source.util.Trees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * SQL is parameterised everywhere, checked mechanically on the sources: every JDBC statement site in
 * {@code rollup-store}, {@code ingest}, {@code query-api} and {@code deploy} is found in the syntax trees (javac's own
 * parser), and the text of each statement is traced back, through local variables, loop variables, lambdas, fields,
 * constants, helper methods and their callers, to its pieces. Every piece must be a literal, a constant, or an
 * identifier from validated configuration (the two schema names, checked against {@code [a-z_][a-z0-9_]{0,62}} when
 * the pool opens); anything else — a request value, a payload field, a number turned into text — fails the test with
 * the path that led to it. Values only ever reach PostgreSQL through {@code setXxx} calls, which this test does not
 * need to look at: they never become statement text. The inventory of sites is written to
 * {@code target/reliability/sql-sites.txt}. (SecurityIT shows the same at run time, from PostgreSQL's statement log.)
 */
class SqlParameterisationTest {
    /** The checkout to scan ({@code -Dsql.scan.root=<dir>} scans another, e.g. a copy with a planted mistake). */
    private static final Path ROOT = Optional.ofNullable(System.getProperty("sql.scan.root")).map(Path::of)
            .orElseGet(() -> Path.of(System.getProperty("omni-rollup.deploy.dir", ".")).getParent()).toAbsolutePath();
    private static final List<String> MODULES = List.of("rollup-store", "ingest", "query-api", "deploy");
    private static final Set<String> SQL_TYPES = Set.of("Connection", "Statement", "PreparedStatement",
            "CallableStatement", "CopyManager", "PGConnection");
    /** JDBC (and PostgreSQL COPY) methods whose first argument is statement text. */
    private static final Set<String> SINKS = Set.of("prepareStatement", "prepareCall", "executeQuery",
            "executeUpdate", "execute", "executeLargeUpdate", "addBatch", "nativeSQL", "copyIn", "copyOut");
    /** Integral types: their text is digits and a sign, whatever their value. */
    private static final Set<String> INTEGRAL = Set.of("int", "long", "short", "byte", "Integer", "Long", "Short");
    /**
     * Configuration keys whose values are validated as SQL identifiers ({@code Config::identifier},
     * {@code [a-z_][a-z0-9_]{0,62}}) when the configuration is read, before any statement is built.
     */
    private static final Set<String> VALIDATED_KEYS = Set.of("ROLLUP_SCHEMA", "OMNI_SCHEMA");
    /** Mutators of a local collection or builder whose arguments become part of it. */
    private static final Set<String> BUILDERS = Set.of("add", "addAll", "append", "put", "insert", "push", "offer",
            "addFirst", "addLast", "set");
    /** Library calls whose result is as safe as their receiver and arguments. */
    private static final Set<String> PURE = Set.of("of", "join", "stream", "map", "collect", "joining", "sorted",
            "distinct", "repeat", "toLowerCase", "toUpperCase", "trim", "strip", "toString", "format", "formatted",
            "copyOf", "asList", "toList", "concat");

    private final List<CompilationUnitTree> units = new ArrayList<>();
    private Trees trees;
    private final Map<String, List<TreePath>> methodsByName = new LinkedHashMap<>();
    private final Map<String, List<TreePath>> callsByName = new LinkedHashMap<>();
    private final Map<String, List<TreePath>> fieldsByName = new LinkedHashMap<>();
    private final Map<String, List<TreePath>> assignmentsByName = new LinkedHashMap<>();
    private final Map<Tree, Boolean> inProgress = new IdentityHashMap<>();

    @Test
    void everyStatementTextIsBuiltFromLiteralsConstantsAndValidatedIdentifiers() throws IOException {
        parse();
        List<TreePath> sites = new ArrayList<>();
        for (CompilationUnitTree unit : units) {
            new TreePathScanner<Void, Void>() {
                @Override
                public Void visitMethodInvocation(MethodInvocationTree node, Void unused) {
                    if (isSink(getCurrentPath(), node)) {
                        sites.add(getCurrentPath());
                    }
                    return super.visitMethodInvocation(node, unused);
                }
            }.scan(unit, null);
        }
        List<String> inventory = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Map<String, Integer> perModule = new TreeMap<>();
        for (TreePath site : sites) {
            MethodInvocationTree call = (MethodInvocationTree) site.getLeaf();
            String where = where(site);
            String module = ROOT.relativize(Path.of(site.getCompilationUnit().getSourceFile().toUri())).getName(0)
                    .toString();
            perModule.merge(module, 1, Integer::sum);
            ExpressionTree sql = call.getArguments().get(0);
            List<String> unsafe = new ArrayList<>();
            safe(child(site, sql), unsafe, "");
            TreePath method = enclosing(site, MethodTree.class);
            String in = className(site) + "." + (method == null ? "?" : ((MethodTree) method.getLeaf()).getName());
            inventory.add(where + "  " + in + "  " + name(call) + "(" + abbreviate(sql.toString()) + ")"
                    + (unsafe.isEmpty() ? "" : "  UNSAFE"));
            for (String reason : unsafe) {
                problems.add(where + ": " + reason);
            }
        }
        String config = Files.readString(ROOT.resolve("rollup-store/src/main/java/dev/omnirollup/store/Config.java"));
        for (String key : VALIDATED_KEYS) {
            assertTrue(config.matches("(?s).*\\b" + key + " = key\\(\"[a-z-]+\", \"[a-z_]+\", Config::identifier,.*"),
                    key + " is validated as an identifier when the configuration is read");
        }
        Path out = ROOT.resolve("deploy/target/reliability/sql-sites.txt");
        Files.createDirectories(out.getParent());
        Files.write(out, inventory);
        System.out.printf(Locale.ROOT, "sql: %d JDBC statement sites %s, inventory in %s; unsafe pieces: %d%n",
                sites.size(), perModule, out, problems.size());
        assertTrue(sites.size() > 30, "found the statement sites: " + inventory);
        assertTrue(problems.isEmpty(), "statement text built from values that are not literals, constants or "
                + "validated identifiers:\n" + String.join("\n", problems));
    }

    // ------------------------------------------------------------------------------------------------ parsing

    private void parse() throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        StandardJavaFileManager files = compiler.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8);
        List<Path> sources = new ArrayList<>();
        for (String module : MODULES) {
            try (Stream<Path> walk = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
                walk.filter(p -> p.toString().endsWith(".java")).forEach(sources::add);
            }
        }
        Iterable<? extends JavaFileObject> objects = files.getJavaFileObjectsFromPaths(sources);
        JavacTask task = (JavacTask) compiler.getTask(null, files, null, List.of("-proc:none"), null, objects);
        for (CompilationUnitTree unit : task.parse()) {
            units.add(unit);
        }
        trees = Trees.instance(task);
        for (CompilationUnitTree unit : units) {
            new TreePathScanner<Void, Void>() {
                @Override
                public Void visitMethod(MethodTree node, Void unused) {
                    methodsByName.computeIfAbsent(node.getName().toString(), k -> new ArrayList<>()).add(getCurrentPath());
                    return super.visitMethod(node, unused);
                }

                @Override
                public Void visitMethodInvocation(MethodInvocationTree node, Void unused) {
                    callsByName.computeIfAbsent(name(node), k -> new ArrayList<>()).add(getCurrentPath());
                    return super.visitMethodInvocation(node, unused);
                }

                @Override
                public Void visitNewClass(NewClassTree node, Void unused) {
                    callsByName.computeIfAbsent("<init>:" + simple(node.getIdentifier().toString()),
                            k -> new ArrayList<>()).add(getCurrentPath());
                    return super.visitNewClass(node, unused);
                }

                @Override
                public Void visitVariable(VariableTree node, Void unused) {
                    if (getCurrentPath().getParentPath().getLeaf() instanceof ClassTree) {
                        fieldsByName.computeIfAbsent(node.getName().toString(), k -> new ArrayList<>())
                                .add(getCurrentPath());
                    }
                    return super.visitVariable(node, unused);
                }

                @Override
                public Void visitAssignment(AssignmentTree node, Void unused) {
                    assignmentsByName.computeIfAbsent(lastName(node.getVariable()), k -> new ArrayList<>())
                            .add(getCurrentPath());
                    return super.visitAssignment(node, unused);
                }

                @Override
                public Void visitCompoundAssignment(CompoundAssignmentTree node, Void unused) {
                    assignmentsByName.computeIfAbsent(lastName(node.getVariable()), k -> new ArrayList<>())
                            .add(getCurrentPath());
                    return super.visitCompoundAssignment(node, unused);
                }
            }.scan(unit, null);
        }
    }

    private boolean isSink(TreePath path, MethodInvocationTree call) {
        String name = name(call);
        if (!SINKS.contains(name) || call.getArguments().isEmpty()) {
            return false;
        }
        if (!(call.getMethodSelect() instanceof MemberSelectTree select)) {
            return false;
        }
        Optional<String> type = declaredType(child(path, select.getExpression()));
        return type.map(t -> SQL_TYPES.contains(simple(t))).orElse(true);
    }

    // ------------------------------------------------------------------------------------------------ the trace

    /** Appends to {@code unsafe} every piece of {@code path}'s expression that is not known safe. */
    private void safe(TreePath path, List<String> unsafe, String trail) {
        Tree tree = path.getLeaf();
        if (inProgress.containsKey(tree)) {
            return; // a cycle: the other paths decide
        }
        inProgress.put(tree, Boolean.TRUE);
        try {
            check(path, tree, unsafe, trail.length() > 2_000 ? trail.substring(0, 2_000) : trail);
        } finally {
            inProgress.remove(tree);
        }
    }

    private void check(TreePath path, Tree tree, List<String> unsafe, String trail) {
        switch (tree) {
            case LiteralTree literal -> { }
            case ParenthesizedTree p -> safe(child(path, p.getExpression()), unsafe, trail);
            case BinaryTree binary -> {
                safe(child(path, binary.getLeftOperand()), unsafe, trail);
                safe(child(path, binary.getRightOperand()), unsafe, trail);
            }
            case ConditionalExpressionTree c -> {
                safe(child(path, c.getTrueExpression()), unsafe, trail);
                safe(child(path, c.getFalseExpression()), unsafe, trail);
            }
            case IdentifierTree id -> identifier(path, id.getName().toString(), unsafe, trail);
            case MemberSelectTree select -> field(path, select, unsafe, trail);
            case MethodInvocationTree call -> invocation(path, call, unsafe, trail);
            case LambdaExpressionTree lambda -> safe(child(path, lambda.getBody()), unsafe, trail);
            case NewClassTree created when created.getClassBody() == null
                    && Set.of("ArrayList", "StringBuilder", "LinkedHashSet", "TreeSet")
                            .contains(simple(created.getIdentifier().toString())) ->
                    created.getArguments().forEach(a -> safe(child(path, a), unsafe, trail));
            default -> unsafe.add(trail + " ← " + kind(tree) + " '" + abbreviate(tree.toString()) + "'");
        }
    }

    private void identifier(TreePath path, String name, List<String> unsafe, String trail) {
        if (name.equals("this")) {
            return;
        }
        // walk out to the declaration
        Tree previous = null;
        for (TreePath p = path; p != null; previous = p.getLeaf(), p = p.getParentPath()) {
            Tree leaf = p.getLeaf();
            if (leaf instanceof LambdaExpressionTree lambda) {
                for (VariableTree param : lambda.getParameters()) {
                    if (param.getName().contentEquals(name)) {
                        // an element of the stream the lambda maps: as safe as the stream's source
                        TreePath call = p.getParentPath();
                        if (call.getLeaf() instanceof MethodInvocationTree map
                                && map.getMethodSelect() instanceof MemberSelectTree select) {
                            safe(child(call, select.getExpression()), unsafe, trail + " ← lambda " + name);
                        } else {
                            unsafe.add(trail + " ← lambda parameter " + name + " of an unknown source");
                        }
                        return;
                    }
                }
            } else if (leaf instanceof ForLoopTree loop && loop.getInitializer().stream().anyMatch(
                    v -> v instanceof VariableTree counter && counter.getName().contentEquals(name)
                            && INTEGRAL.contains(counter.getType().toString()))) {
                return; // a loop counter: a number
            } else if (leaf instanceof EnhancedForLoopTree loop && loop.getVariable().getName().contentEquals(name)) {
                safe(child(p, loop.getExpression()), unsafe, trail + " ← for " + name);
                return;
            } else if (leaf instanceof BlockTree block) {
                for (StatementTree statement : block.getStatements()) {
                    if (statement == previous) {
                        break;
                    }
                    if (statement instanceof VariableTree local && local.getName().contentEquals(name)) {
                        if (!INTEGRAL.contains(local.getType().toString())) {
                            local(child(p, statement), unsafe, trail);
                        }
                        return;
                    }
                }
            } else if (leaf instanceof TryTree tryTree) {
                for (Tree resource : tryTree.getResources()) {
                    if (resource instanceof VariableTree local && local.getName().contentEquals(name)) {
                        local(child(p, resource), unsafe, trail);
                        return;
                    }
                }
            } else if (leaf instanceof MethodTree method) {
                for (int i = 0; i < method.getParameters().size(); i++) {
                    if (method.getParameters().get(i).getName().contentEquals(name)) {
                        if (!INTEGRAL.contains(method.getParameters().get(i).getType().toString())) {
                            parameter(p, i, unsafe, trail);
                        }
                        return;
                    }
                }
            } else if (leaf instanceof ClassTree) {
                fieldNamed(p, name, unsafe, trail);
                return;
            }
        }
        unsafe.add(trail + " ← unresolved name " + name);
    }

    /** The path of {@code tree} inside {@code parent}'s subtree (exact ancestors for name resolution). */
    private static TreePath child(TreePath parent, Tree tree) {
        TreePath found = TreePath.getPath(parent, tree);
        return found != null ? found : new TreePath(parent, tree);
    }

    /** A local variable: its initializer and every assignment to it in the enclosing method. */
    private void local(TreePath declaration, List<String> unsafe, String trail) {
        VariableTree local = (VariableTree) declaration.getLeaf();
        String name = local.getName().toString();
        if (local.getInitializer() != null) {
            safe(child(declaration, local.getInitializer()), unsafe, trail + " ← " + name);
        }
        TreePath method = enclosing(declaration, MethodTree.class);
        if (local.getInitializer() instanceof NewClassTree && method != null) {
            // a collection or builder: everything added to it in this method
            new TreePathScanner<Void, Void>() {
                @Override
                public Void visitMethodInvocation(MethodInvocationTree node, Void unused) {
                    if (node.getMethodSelect() instanceof MemberSelectTree select
                            && select.getExpression() instanceof IdentifierTree target
                            && target.getName().contentEquals(name)
                            && BUILDERS.contains(select.getIdentifier().toString())) {
                        for (ExpressionTree argument : node.getArguments()) {
                            safe(child(getCurrentPath(), argument), unsafe, trail + " ← " + name + "."
                                    + select.getIdentifier() + "(…)");
                        }
                    }
                    return super.visitMethodInvocation(node, unused);
                }
            }.scan(method, null);
        }
        for (TreePath assignment : assignmentsByName.getOrDefault(name, List.of())) {
            if (method != null && enclosing(assignment, MethodTree.class) != null
                    && enclosing(assignment, MethodTree.class).getLeaf() == method.getLeaf()) {
                ExpressionTree value = assignment.getLeaf() instanceof AssignmentTree a ? a.getExpression()
                        : ((CompoundAssignmentTree) assignment.getLeaf()).getExpression();
                safe(child(assignment, value), unsafe, trail + " ← " + name + " =");
            }
        }
    }

    /** A method parameter: validated configuration, or as safe as what every caller passes. */
    private void parameter(TreePath methodPath, int index, List<String> unsafe, String trail) {
        MethodTree method = (MethodTree) methodPath.getLeaf();
        String owner = className(methodPath);
        String methodName = method.getName().toString();
        String param = method.getParameters().get(index).getName().toString();
        String id = owner + "." + methodName + "#" + param;
        String key = methodName.equals("<init>") ? "<init>:" + owner : methodName;
        List<TreePath> callers = new ArrayList<>();
        for (TreePath call : callsByName.getOrDefault(key, List.of())) {
            List<? extends ExpressionTree> args = call.getLeaf() instanceof MethodInvocationTree m ? m.getArguments()
                    : ((NewClassTree) call.getLeaf()).getArguments();
            if (args.size() == method.getParameters().size() && mayCall(call, owner)) {
                callers.add(child(call, args.get(index)));
            }
        }
        if (methodName.equals("<init>")) { // enum constants call the constructor too
            TreePath clazz = enclosing(methodPath, ClassTree.class);
            for (Tree member : ((ClassTree) clazz.getLeaf()).getMembers()) {
                if (member instanceof VariableTree constant && constant.getInitializer() instanceof NewClassTree init
                        && init.getArguments().size() == method.getParameters().size()) {
                    callers.add(child(clazz, init.getArguments().get(index)));
                }
            }
        }
        if (callers.isEmpty()) {
            unsafe.add(trail + " ← parameter " + id + " with no caller in the scanned sources");
            return;
        }
        for (TreePath caller : callers) {
            safe(caller, unsafe, trail + " ← " + id + " from " + where(caller));
        }
    }

    /** Whether a call site may call a method of class {@code owner} (by its receiver's class or declared type). */
    private boolean mayCall(TreePath call, String owner) {
        if (!(call.getLeaf() instanceof MethodInvocationTree m)) {
            return true;
        }
        if (m.getMethodSelect() instanceof IdentifierTree) {
            return true; // unqualified: this class, an outer one, or a static import
        }
        ExpressionTree receiver = ((MemberSelectTree) m.getMethodSelect()).getExpression();
        if (isClassName(receiver)) {
            return simple(receiver.toString()).equals(owner);
        }
        return declaredType(child(call, receiver)).map(t -> simple(t).equals(owner)).orElse(true);
    }

    private void field(TreePath path, MemberSelectTree select, List<String> unsafe, String trail) {
        String name = select.getIdentifier().toString();
        String qualifier = select.getExpression().toString();
        if (qualifier.equals("this")) {
            fieldNamed(enclosing(path, ClassTree.class), name, unsafe, trail);
            return;
        }
        List<TreePath> fields = fieldsByName.getOrDefault(name, List.of()).stream()
                .filter(f -> className(f).equals(simple(qualifier)) || !Character.isUpperCase(qualifier.charAt(0)))
                .toList();
        if (fields.isEmpty()) {
            unsafe.add(trail + " ← field " + select + " outside the scanned sources");
            return;
        }
        for (TreePath f : fields) {
            fieldValue(f, unsafe, trail);
        }
    }

    private void fieldNamed(TreePath classPath, String name, List<String> unsafe, String trail) {
        String owner = className(classPath);
        List<TreePath> fields = fieldsByName.getOrDefault(name, List.of()).stream()
                .filter(f -> className(f).equals(owner)).toList();
        if (fields.isEmpty()) {
            fields = fieldsByName.getOrDefault(name, List.of()); // an outer or sibling class
        }
        if (fields.isEmpty()) {
            unsafe.add(trail + " ← unresolved field " + owner + "." + name);
            return;
        }
        for (TreePath f : fields) {
            fieldValue(f, unsafe, trail);
        }
    }

    /** A field: its initializer and every assignment to it ({@code this.x = …} or {@code x = …}) in its class. */
    private void fieldValue(TreePath fieldPath, List<String> unsafe, String trail) {
        VariableTree field = (VariableTree) fieldPath.getLeaf();
        String owner = className(fieldPath);
        String name = field.getName().toString();
        if (field.getInitializer() != null) {
            safe(child(fieldPath, field.getInitializer()), unsafe, trail + " ← " + owner + "." + name);
        }
        for (TreePath assignment : assignmentsByName.getOrDefault(name, List.of())) {
            if (!className(assignment).equals(owner)) {
                continue;
            }
            ExpressionTree variable = assignment.getLeaf() instanceof AssignmentTree a ? a.getVariable()
                    : ((CompoundAssignmentTree) assignment.getLeaf()).getVariable();
            if (variable instanceof MemberSelectTree || isFieldAssignment(assignment, name)) {
                ExpressionTree value = assignment.getLeaf() instanceof AssignmentTree a ? a.getExpression()
                        : ((CompoundAssignmentTree) assignment.getLeaf()).getExpression();
                safe(child(assignment, value), unsafe, trail + " ← " + owner + "." + name + " =");
            }
        }
    }

    private static boolean isFieldAssignment(TreePath assignment, String name) {
        TreePath method = enclosing(assignment, MethodTree.class);
        if (method == null) {
            return true;
        }
        boolean shadowed = ((MethodTree) method.getLeaf()).getParameters().stream()
                .anyMatch(p -> p.getName().contentEquals(name));
        return !shadowed && !method.getLeaf().toString().matches("(?s).*\\b\\w+(<[^>]*>)?\\s+" + name + "\\s*[=;].*");
    }

    private void invocation(TreePath path, MethodInvocationTree call, List<String> unsafe, String trail) {
        String name = name(call);
        if (name.equals("get") && call.getArguments().size() == 1
                && call.getArguments().get(0) instanceof MemberSelectTree key
                && key.getExpression().toString().equals("Config")
                && VALIDATED_KEYS.contains(key.getIdentifier().toString())) {
            return; // a schema name from the configuration, validated as an identifier when it was read
        }
        int arity = call.getArguments().size();
        List<TreePath> byArity = methodsByName.getOrDefault(name, List.of()).stream()
                .filter(m -> ((MethodTree) m.getLeaf()).getParameters().size() == arity).toList();
        List<TreePath> definitions;
        boolean pure;
        if (call.getMethodSelect() instanceof MemberSelectTree select && isClassName(select.getExpression())) {
            String owner = simple(select.getExpression().toString());
            definitions = byArity.stream().filter(m -> className(m).equals(owner)).toList();
            pure = definitions.isEmpty() && PURE.contains(name); // List.of, String.join, Collectors.joining, …
        } else if (call.getMethodSelect() instanceof IdentifierTree) {
            String owner = className(path);
            List<TreePath> own = byArity.stream().filter(m -> className(m).equals(owner)).toList();
            definitions = own.isEmpty() ? byArity : own;
            pure = false;
        } else {
            pure = PURE.contains(name); // stream(), map(…), collect(…), repeat(…) on a value
            definitions = pure ? List.of() : byArity;
        }
        if (!definitions.isEmpty()) {
            // a method of the scanned sources: as safe as everything it returns
            for (TreePath definition : definitions) {
                if (((MethodTree) definition.getLeaf()).getBody() == null) {
                    continue;
                }
                for (TreePath ret : returns(definition)) {
                    ExpressionTree value = ((ReturnTree) ret.getLeaf()).getExpression();
                    if (value != null) {
                        safe(child(ret, value), unsafe, trail + " ← " + className(definition) + "." + name + "()");
                    }
                }
            }
            return;
        }
        if (pure) {
            if (call.getMethodSelect() instanceof MemberSelectTree select && !isClassName(select.getExpression())) {
                safe(child(path, select.getExpression()), unsafe, trail);
            }
            if (!name.equals("repeat")) {
                for (ExpressionTree argument : call.getArguments()) {
                    safe(child(path, argument), unsafe, trail);
                }
            }
            return;
        }
        unsafe.add(trail + " ← call " + abbreviate(call.toString()) + " (not a literal, constant or validated identifier)");
    }

    private static boolean isClassName(ExpressionTree expression) {
        String text = expression.toString();
        String last = text.substring(text.lastIndexOf('.') + 1);
        return !last.isEmpty() && Character.isUpperCase(last.charAt(0)) && !last.equals(last.toUpperCase(Locale.ROOT));
    }

    /** The return statements of a method, not those of lambdas or classes inside it. */
    private static List<TreePath> returns(TreePath method) {
        List<TreePath> found = new ArrayList<>();
        new TreePathScanner<Void, Void>() {
            @Override
            public Void visitReturn(ReturnTree node, Void unused) {
                found.add(getCurrentPath());
                return null;
            }

            @Override
            public Void visitLambdaExpression(LambdaExpressionTree node, Void unused) {
                return null;
            }

            @Override
            public Void visitClass(ClassTree node, Void unused) {
                return null;
            }
        }.scan(child(method, ((MethodTree) method.getLeaf()).getBody()), null);
        return found;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private Optional<String> declaredType(TreePath expression) {
        if (!(expression.getLeaf() instanceof IdentifierTree id)) {
            return Optional.empty();
        }
        String name = id.getName().toString();
        for (TreePath p = expression; p != null; p = p.getParentPath()) {
            Tree leaf = p.getLeaf();
            List<VariableTree> candidates = new ArrayList<>();
            if (leaf instanceof BlockTree block) {
                block.getStatements().stream().filter(s -> s instanceof VariableTree).map(s -> (VariableTree) s)
                        .forEach(candidates::add);
            } else if (leaf instanceof TryTree tryTree) {
                tryTree.getResources().stream().filter(r -> r instanceof VariableTree).map(r -> (VariableTree) r)
                        .forEach(candidates::add);
            } else if (leaf instanceof MethodTree method) {
                candidates.addAll(method.getParameters());
            } else if (leaf instanceof LambdaExpressionTree lambda) {
                candidates.addAll(lambda.getParameters());
            } else if (leaf instanceof ClassTree clazz) {
                clazz.getMembers().stream().filter(m -> m instanceof VariableTree).map(m -> (VariableTree) m)
                        .forEach(candidates::add);
            }
            for (VariableTree candidate : candidates) {
                if (candidate.getName().contentEquals(name)) {
                    return candidate.getType() == null || candidate.getType().toString().equals("var")
                            || candidate.getType().toString().isEmpty() ? Optional.empty()
                            : Optional.of(candidate.getType().toString());
                }
            }
        }
        return Optional.empty();
    }

    private List<TreePath> findMethod(String qualified) {
        String owner = qualified.substring(0, qualified.indexOf('.'));
        String name = qualified.substring(qualified.indexOf('.') + 1);
        return methodsByName.getOrDefault(name, List.of()).stream().filter(m -> className(m).equals(owner)).toList();
    }

    private static TreePath enclosing(TreePath path, Class<? extends Tree> type) {
        for (TreePath p = path; p != null; p = p.getParentPath()) {
            if (type.isInstance(p.getLeaf())) {
                return p;
            }
        }
        return null;
    }

    private static String className(TreePath path) {
        TreePath clazz = enclosing(path, ClassTree.class);
        return clazz == null ? "?" : ((ClassTree) clazz.getLeaf()).getSimpleName().toString();
    }

    private String where(TreePath path) {
        CompilationUnitTree unit = path.getCompilationUnit();
        long position = trees.getSourcePositions().getStartPosition(unit, path.getLeaf());
        Path file = Path.of(unit.getSourceFile().toUri());
        return ROOT.relativize(file) + ":" + unit.getLineMap().getLineNumber(position);
    }

    private static String name(MethodInvocationTree call) {
        ExpressionTree select = call.getMethodSelect();
        return select instanceof MemberSelectTree m ? m.getIdentifier().toString()
                : ((IdentifierTree) select).getName().toString();
    }

    private static String lastName(ExpressionTree variable) {
        return variable instanceof MemberSelectTree m ? m.getIdentifier().toString() : variable.toString();
    }

    private static String simple(String name) {
        return name.substring(name.lastIndexOf('.') + 1).replaceAll("<.*", "");
    }

    private static String kind(Tree tree) {
        return tree.getKind().toString().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    private static String abbreviate(String text) {
        String flat = text.replaceAll("\\s+", " ");
        return flat.length() > 110 ? flat.substring(0, 110) + "…" : flat;
    }
}
