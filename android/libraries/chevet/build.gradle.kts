// The core for the app: the Android flavour of the generated bindings and
// the .so files, both made by scripts/build-android into build/rust.
plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

val rust = layout.buildDirectory.dir("rust")

android {
    namespace = "fr.chevet.android.chevet"
    compileSdk = 35
    defaultConfig {
        minSdk = 28
        consumerProguardFiles("consumer-rules.pro")
    }
    sourceSets["main"].java.srcDirs(
        "src/main/kotlin",
        rust.map { it.dir("kotlin") },
        "../../../bindings/kotlin/src/main/kotlin",
    )
    sourceSets["main"].jniLibs.srcDirs(rust.map { it.dir("jniLibs") })
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin { jvmToolchain(17) }

val buildRust by tasks.registering(Exec::class) {
    description = "Builds libchevet_ffi.so for the device ABIs and its Kotlin (scripts/build-android)."
    workingDir = rootDir.parentFile
    commandLine("scripts/build-android", rust.get().asFile.absolutePath)
}
tasks.named("preBuild") { dependsOn(buildRust) }

dependencies {
    implementation(libs.kotlinx.coroutines.android)
    implementation("${libs.jna.get()}@aar")
}
