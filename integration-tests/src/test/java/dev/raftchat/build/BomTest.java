package dev.raftchat.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * raft-bom has no parent (so that importing it pins nothing but our modules), hence repeats what the parent
 * POM says: this test keeps the two in step and the BOM complete.
 */
class BomTest {
    /** The library's modules, by directory: what an embedder puts on their class path (raft-testkit needs raft-sim). */
    private static final Pattern LIBRARY_MODULE =
            Pattern.compile("raft-(core|storage-[a-z]+|transport-[a-z]+|sim|testkit)");

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void theBomManagesEveryLibraryModuleAtTheParentsVersion() throws Exception {
        Element parent = read(ROOT.resolve("pom.xml"));
        Element bom = read(ROOT.resolve("raft-bom/pom.xml"));
        String version = child(parent, "version").getTextContent();

        assertThat(child(bom, "version").getTextContent()).isEqualTo(version);
        assertThat(child(bom, "groupId").getTextContent())
                .isEqualTo(child(parent, "groupId").getTextContent());
        assertThat(children(child(parent, "modules"), "module")).contains("raft-bom");

        TreeMap<String, String> expected = new TreeMap<>();
        for (String module : children(child(parent, "modules"), "module")) {
            if (LIBRARY_MODULE.matcher(module).matches()) {
                expected.put(
                        child(read(ROOT.resolve(module).resolve("pom.xml")), "artifactId")
                                .getTextContent(),
                        version);
            }
        }
        assertThat(expected).containsKeys("raft-core", "raft-storage-file", "raft-transport-netty");

        TreeMap<String, String> managed = new TreeMap<>();
        Element dependencies = child(child(bom, "dependencyManagement"), "dependencies");
        for (Element dependency : elements(dependencies, "dependency")) {
            assertThat(child(dependency, "groupId").getTextContent()).isEqualTo("dev.raftchat");
            managed.put(
                    child(dependency, "artifactId").getTextContent(),
                    child(dependency, "version").getTextContent());
        }
        assertThat(managed).isEqualTo(expected);
    }

    @Test
    void theBomRepeatsTheParentsLicenceAndAddresses() throws Exception {
        Element parent = read(ROOT.resolve("pom.xml"));
        Element bom = read(ROOT.resolve("raft-bom/pom.xml"));
        String repository =
                child(child(parent, "properties"), "project.repository.url").getTextContent();

        assertThat(child(parent, "url").getTextContent()).isEqualTo("${project.repository.url}");
        assertThat(child(bom, "url").getTextContent()).isEqualTo(repository);
        assertThat(child(child(bom, "scm"), "url").getTextContent()).isEqualTo(repository);
        assertThat(child(child(bom, "scm"), "connection").getTextContent()).isEqualTo("scm:git:" + repository + ".git");
        assertThat(child(child(child(bom, "licenses"), "license"), "name").getTextContent())
                .isEqualTo(child(child(child(parent, "licenses"), "license"), "name")
                        .getTextContent());
    }

    private static Element read(Path pom) throws IOException, ParserConfigurationException, SAXException {
        assertThat(pom).exists();
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        try (var in = Files.newInputStream(pom)) {
            Document document = factory.newDocumentBuilder().parse(in);
            return document.getDocumentElement();
        }
    }

    private static Element child(Element parent, String name) {
        List<Element> found = elements(parent, name);
        assertThat(found).as("<%s> in <%s>", name, parent.getTagName()).hasSize(1);
        return found.get(0);
    }

    private static List<Element> elements(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE
                    && nodes.item(i).getNodeName().equals(name)) {
                found.add((Element) nodes.item(i));
            }
        }
        return found;
    }

    private static List<String> children(Element parent, String name) {
        return elements(parent, name).stream().map(Node::getTextContent).toList();
    }
}
