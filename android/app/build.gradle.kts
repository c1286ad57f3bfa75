// The Android app: Activity, wiring and the platform adapters. Everything
// else is in the platform-free modules (also built for the desktop JVM).
plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

// One version for the core and both apps: [workspace.package] in Cargo.toml
// (scripts/version prints the same two numbers; fastlane passes the build number).
val chevetVersion: List<Int> = Regex("""(?s)\[workspace\.package\][^\[]*?\bversion\s*=\s*"(\d+)\.(\d+)\.(\d+)"""")
    .find(rootProject.file("../Cargo.toml").readText())!!.groupValues.drop(1).map(String::toInt)
val chevetBuild: Int = (System.getenv("CHEVET_BUILD_NUMBER") ?: "0").toInt().also { require(it in 0..99) }

android {
    namespace = "fr.chevet.android.app"
    compileSdk = 35
    defaultConfig {
        applicationId = "fr.chevet.android"
        minSdk = 28
        targetSdk = 35
        versionCode = ((chevetVersion[0] * 100 + chevetVersion[1]) * 100 + chevetVersion[2]) * 100 + chevetBuild
        versionName = chevetVersion.joinToString(".")
    }
    sourceSets["main"].java.srcDirs("src/main/kotlin")
    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    // 16 KB pages: the .so files are aligned by scripts/build-android.
    packaging { jniLibs { useLegacyPackaging = false } }
}

kotlin { jvmToolchain(17) }

dependencies {
    implementation(project(":libraries:chevet"))
    implementation(project(":libraries:designsystem"))
    implementation(project(":features:round"))
    implementation(project(":features:signin"))
    implementation(project(":features:shell"))
    implementation(platform(libs.androidx.compose.bom))
    implementation(libs.androidx.compose.ui)
    implementation(libs.androidx.compose.material3)
    implementation(libs.androidx.activity.compose)
    implementation(libs.androidx.core)
    implementation(libs.androidx.work.runtime)
    implementation(libs.kotlinx.coroutines.android)
    // The enrolment QR code, decoded from Camera2 frames (pure Java).
    implementation(libs.zxing.core)
}
