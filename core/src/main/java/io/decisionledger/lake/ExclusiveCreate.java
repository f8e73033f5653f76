package io.decisionledger.lake;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.util.WrappingProxy;

/**
 * Creates a small object only if nothing exists at its path yet, atomically, so that of two writers
 * racing for the same path exactly one wins and the other learns it lost. The access log's
 * one-writer-per-lake rule rests on it ({@code io.decisionledger.access.AccessLog}): each log
 * position is claimed with one exclusive create.
 *
 * <p>How, per file system:
 *
 * <ul>
 *   <li>{@code file://}: the content goes to a temporary file that is then hard-linked to the path
 *       ({@code link(2)} fails if the path exists), so the object appears atomically and complete;
 *       where hard links are not supported, {@code CREATE_NEW} ({@code O_EXCL}).
 *   <li>{@code s3://}, {@code s3a://} (flink-s3-fs-hadoop): a PutObject with {@code If-None-Match:
 *       *} (S3 conditional writes: AWS S3 since 2024-08; s3proxy 4.1.0 honours it). Flink 2.2's
 *       plugin bundles Hadoop 3.3.4, whose S3A has no conditional create (Hadoop 3.4.2 added {@code
 *       fs.s3a.create.conditional.enabled}), so the request is sent through the plugin's own S3
 *       client, reached by reflection across the plugin class loader: same endpoint, credentials
 *       and signing as every other lake write, and no second AWS SDK in the jars.
 *   <li>anything else: refused with an IOException, never a silent non-exclusive create (an object
 *       store without conditional writes cannot keep two writers apart).
 * </ul>
 */
public final class ExclusiveCreate {

    private ExclusiveCreate() {}

    /**
     * Creates {@code path} with {@code content} unless something is already there.
     *
     * @return true if this call created it; false if the path already existed (or, on S3, a
     *     concurrent conditional write to it was in flight: read it back and decide)
     * @throws IOException if the create failed for another reason, or this file system cannot
     *     create exclusively
     */
    public static boolean create(Path path, byte[] content) throws IOException {
        String scheme = path.toUri().getScheme();
        if (scheme == null || "file".equals(scheme)) {
            return createLocal(java.nio.file.Path.of(path.toUri().getPath()), content);
        }
        if ("s3".equals(scheme) || "s3a".equals(scheme)) {
            return createOnS3(path, content);
        }
        throw new IOException(
                "no exclusive create on "
                        + scheme
                        + ":// (supported: file://, s3:// and s3a:// through"
                        + " flink-s3-fs-hadoop); refusing a write that could fork");
    }

    private static boolean createLocal(java.nio.file.Path target, byte[] content)
            throws IOException {
        java.nio.file.Path dir = target.getParent();
        Files.createDirectories(dir);
        java.nio.file.Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            Files.write(tmp, content);
            try {
                Files.createLink(target, tmp);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (UnsupportedOperationException e) {
                try {
                    Files.write(target, content, StandardOpenOption.CREATE_NEW);
                    return true;
                } catch (FileAlreadyExistsException exists) {
                    return false;
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static final int PRECONDITION_FAILED = 412;
    private static final int CONFLICT = 409;

    private static boolean createOnS3(Path path, byte[] content) throws IOException {
        FileSystem fs = path.getFileSystem();
        while (fs instanceof WrappingProxy<?> proxy) {
            fs = (FileSystem) proxy.getWrappedDelegate();
        }
        Object s3a;
        Object client;
        String bucket;
        String key;
        ClassLoader loader;
        Class<?> requestClass;
        Object request;
        Method put;
        try {
            s3a = fs.getClass().getMethod("getHadoopFileSystem").invoke(fs);
            loader = s3a.getClass().getClassLoader();
            client =
                    s3a.getClass()
                            .getMethod("getAmazonS3ClientForTesting", String.class)
                            .invoke(s3a, "conditional create (If-None-Match)");
            bucket = (String) s3a.getClass().getMethod("getBucket").invoke(s3a);
            Object hadoopPath =
                    fs.getClass().getMethod("toHadoopPath", Path.class).invoke(null, path);
            key =
                    (String)
                            s3a.getClass()
                                    .getMethod("pathToKey", hadoopPath.getClass())
                                    .invoke(s3a, hadoopPath);
            Class<?> metadataClass =
                    Class.forName("com.amazonaws.services.s3.model.ObjectMetadata", true, loader);
            Object metadata = metadataClass.getConstructor().newInstance();
            metadataClass
                    .getMethod("setContentLength", long.class)
                    .invoke(metadata, content.length);
            requestClass =
                    Class.forName("com.amazonaws.services.s3.model.PutObjectRequest", true, loader);
            request =
                    requestClass
                            .getConstructor(
                                    String.class, String.class, InputStream.class, metadataClass)
                            .newInstance(bucket, key, new ByteArrayInputStream(content), metadata);
            requestClass
                    .getMethod("putCustomRequestHeader", String.class, String.class)
                    .invoke(request, "If-None-Match", "*");
            put =
                    Class.forName("com.amazonaws.services.s3.AmazonS3", true, loader)
                            .getMethod("putObject", requestClass);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IOException(
                    "no exclusive create on "
                            + path.toUri().getScheme()
                            + "://: this S3 file system ("
                            + fs.getClass().getName()
                            + ") is not flink-s3-fs-hadoop's S3A with its AWS SDK v1 client",
                    e);
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            put.invoke(client, request);
            return true;
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            int status = statusCode(cause);
            if (status == PRECONDITION_FAILED || status == CONFLICT) {
                return false;
            }
            throw new IOException(
                    "conditional create of s3://" + bucket + "/" + key + " failed: " + cause,
                    cause);
        } catch (IllegalAccessException e) {
            throw new IOException("conditional create of s3://" + bucket + "/" + key, e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** The HTTP status of an AWS SDK v1 service exception, or -1. */
    private static int statusCode(Throwable t) {
        try {
            Object code = t.getClass().getMethod("getStatusCode").invoke(t);
            return code instanceof Integer i ? i : -1;
        } catch (ReflectiveOperationException e) {
            return -1;
        }
    }
}
